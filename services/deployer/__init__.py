"""The deploy worker (docs/architecture.md, "Operations queue"): `python -m launchpad deployer run`."""
