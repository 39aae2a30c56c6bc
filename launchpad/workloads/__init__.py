"""Kubernetes objects of an agent as plain manifests (camelCase dicts). The ElizaAgent component registers
them with Pulumi; `python -m launchpad render` writes them to files for review and checkov."""
