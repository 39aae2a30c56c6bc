"""The project a deploy worker runs the program in: the code as its image (or checkout) holds it, and the git
fleet's files as the fleet's last `up` recorded them (launchpad/db/repository/fleet_sources.py).

The control plane's image carries no agent file (launchpad/images/control_plane.py), and its project directory
is read-only; yet the worker's `up` must see the git agents exactly as CI last deployed them, or it would revert
or delete them. So each worker keeps a directory of its own: a symlink to every top-level entry of the project
but the agents directory, and that directory written from the database before every run. The program then runs
as it does in CI, with the same relative paths: the same file names in messages and registry rows, the same
fingerprints, so a worker's `up` over unchanged files changes nothing of a git agent.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

import psycopg

from launchpad.db.repository import fleet_sources
from launchpad.errors import UserError
from launchpad.stacks.needs import shard_settings
from launchpad.stacks.sources import materialise
from launchpad.stacks.stack_files import plain_config, stack_file


def run_dir(home: Path) -> Path:
    """The worker's own project directory, under its home."""
    return home / "project"


def _agents_setting(project: Path, stack: str) -> tuple[str, str]:
    """(fleet, agentsDir) of the stack: a shard's fleet is its platform."""
    effective = shard_settings(project, plain_config(stack_file(project, stack)), stack)
    agents = str(effective.get("agentsDir", "agents"))
    parts = PurePosixPath(agents).parts
    if len(parts) != 1 or parts[0] in ("", ".", ".."):
        raise UserError(f"Pulumi.{effective.get('platform') or stack}.yaml: agent-launchpad:agentsDir: {agents}: a "
                        "deploy worker writes the recorded fleet to a directory at the top of its project: give "
                        "one name (e.g. agents)")
    return str(effective.get("platform") or stack), parts[0]


def link_project(project: Path, target: Path, agents: str) -> None:
    """Make `target` link every top-level entry of `project` but `agents` (new stack files appear, removed
    entries go): run before each run, `shards create` may have added a stack file since."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p.resolve() for p in project.iterdir() if p.name != agents}
    for entry in target.iterdir():  # only links: what the program writes here (build/) stays
        if entry.is_symlink() and (entry.name not in wanted or entry.resolve() != wanted[entry.name]):
            entry.unlink()
    for name, source in wanted.items():
        link = target / name
        if link.is_symlink():
            continue
        if link.is_dir():
            shutil.rmtree(link)
        elif link.exists():
            link.unlink()
        os.symlink(source, link)


def prepare(conn: psycopg.Connection[tuple[object, ...]], project: Path, home: Path, stack: str) -> Path:
    """The worker's project for a run on `stack`, with the fleet's recorded files; its path. A fleet whose
    files were never recorded is refused: the program must not run over no git agents (it would delete them)."""
    fleet, agents = _agents_setting(project, stack)
    files = fleet_sources.read(conn, fleet)
    if files is None:
        raise UserError(
            f"the git fleet of {fleet} has no recorded files yet: a deploy worker runs the program over the agent "
            f"files the fleet's last `pulumi up` recorded in the database; run the stacks' `up` (CI) once first"
        )
    target = run_dir(home)
    link_project(project, target, agents)
    materialise(files, target / agents)
    return target
