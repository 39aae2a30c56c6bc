"""agent-launchpad: one Pulumi program for the whole elizaOS fleet described in agents/*.yaml.
The steps live in components/program.py; this file only runs them."""

from components.program import run

run()
