"""Long-running services, one package each (docs/architecture.md, "Layers and imports"): they use the core
(`launchpad`), never the Pulumi program, the policy pack or each other; they talk through the database."""
