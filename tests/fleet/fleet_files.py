"""Small fleets written to a temporary directory, for loader tests."""

from __future__ import annotations

import json
from pathlib import Path

from launchpad.fleet import FleetError, load_fleet
from launchpad.images.build import ImageBuild
from launchpad.images.lockfiles import lock_path, read_lock

# A valid agent. Line numbers matter: the bad-input tests name them.
BASE = """\
name: bot
owner: 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21
character:
  name: Bot
  bio: A test bot.
platforms:
  telegram: {mode: polling}
model:
  provider: openai
resources:
  requests: {cpu: 500m, memory: 1792Mi, ephemeral-storage: 256Mi}
  limits: {cpu: "1", memory: 2Gi, ephemeral-storage: 2560Mi}
scaling:
  minReplicas: 1
  maxReplicas: 1
secrets:
  TELEGRAM_BOT_TOKEN: {config: tgToken}
  OPENAI_API_KEY: {config: openaiKey}
image:
  ref: ghcr.io/acme/eliza:1.7.2
"""


def fitting_lock(build: ImageBuild) -> str:
    """A lockfile `validate` accepts for `build`'s plugin set: the root dependencies and the bun it resolves.
    Unit tests of the program need one per built set; the real ones (resolved from npm) are agents/locks/."""
    return json.dumps(
        {"lockfileVersion": 1, "workspaces": {"": {"name": "eliza-runtime", "dependencies": build.dependencies()}},
         "packages": {"bun": [f"bun@{build.bun_version}", "", {}, "sha512-test"]}},
        indent=2,
    )  # fmt: skip


def write_fleet(root: Path, files: dict[str, str]) -> Path:
    folder = root / "agents"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if any("build:" in text for text in files.values()):
        write_locks(folder)
    return folder


def write_locks(folder: Path) -> None:
    """A fitting lockfile for every plugin set of the fleet in `folder` that has none (none when the fleet is
    invalid; a committed lock is left as it is)."""
    try:
        fleet = load_fleet([folder], require_locks=False)
    except FleetError:
        return  # a bad fleet: the test is about its problems
    for build in fleet.images().values():
        if read_lock(folder / "locks", build)[0] is None:
            lock_path(folder / "locks", build).parent.mkdir(exist_ok=True)
            lock_path(folder / "locks", build).write_text(fitting_lock(build))
