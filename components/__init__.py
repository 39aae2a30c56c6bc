"""Pulumi component resources of agent-launchpad. Thin: the objects they register come from `launchpad`."""
