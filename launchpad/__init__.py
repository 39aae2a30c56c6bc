"""agent-launchpad core: everything that needs no Pulumi (spec models, loading, validation, migrations,
monitoring rules, scan gating). The Pulumi components in `components/` are thin wrappers over this."""
