"""The record of the git fleet's files the program read, for the deploy workers (launchpad/stacks/sources.py
says which files each stack records, and why per part)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from components import stack_config
from components.providers.fleet_sources import FleetSources
from launchpad.stacks import sources
from launchpad.stacks.needs import DATABASE_URL_CONFIG, StackNeeds


def record(loaded: StackNeeds, part: str, opts: pulumi.ResourceOptions, schema: pulumi.Input[Any] = None) -> None:
    """This stack's `part` of the fleet's files ('agents': its git agents' files and characters; 'shared':
    defaults.yaml and the committed lockfiles), recorded for the fleet when the stack has a database."""
    if not loaded.settings.database:
        return
    url = stack_config.secret(DATABASE_URL_CONFIG)
    assert url is not None  # load() refused a stack with `database: true` and no databaseUrl secret
    directory = Path(loaded.settings.agentsDir)  # as the program loaded it (components/program.py)
    files = sources.agent_files(loaded.agents, directory) if part == "agents" else sources.shared_files(directory)
    fleet = loaded.settings.platform or pulumi.get_stack()
    FleetSources(f"fleet-sources-{part}", url, fleet=fleet, part=part, directory=directory,
                 files=sources.manifest(files, directory), schema=schema, opts=opts)
