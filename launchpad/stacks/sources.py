"""The git fleet's source files a stack records for the deploy workers (launchpad/db/repository/fleet_sources.py),
and writing them out again as an agents directory.

The control plane's image carries code only (launchpad/images/control_plane.py); a deploy worker must still run
the program over the git agents as CI last deployed them, else its `up` would revert or delete them. So every
`up` records exactly the files the loader read, relative to the agents directory:
- part 'agents', in the stack that runs the agents (a shard, or the only stack): each git agent's file and the
  character file it names. A one-agent change in git changes that agent's stack's record alone.
- part 'shared', in the stack that holds the shared objects (the platform, or the only stack): defaults.yaml
  and the committed lockfiles. A change of either is a change of the platform's own objects as a rule (images,
  quotas, classes), so recording them there keeps the one-shard property.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from launchpad.character.read import contained
from launchpad.db.repository.fleet_sources import SourceFile
from launchpad.errors import UserError
from launchpad.fleet.loader import DEFAULTS_FILE
from launchpad.fleet.resolved import Agent
from launchpad.images.lockfiles import LOCKS_DIR


def _relative(path: Path, agents_dir: Path) -> str:
    """`path` relative to the agents directory as the loader opens it (symlinks kept: a worker's copy must hold
    the file under the name the agent file uses; the loader refused any that leads out)."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(agents_dir)).as_posix()
    except ValueError:
        raise UserError(f"{path}: read by the program but outside the agents directory {agents_dir}") from None


def agent_files(agents: Iterable[Agent], agents_dir: Path) -> list[Path]:
    """The files the loader read for these git agents: each agent's file and the character file it names."""
    found: list[Path] = []
    for agent in agents:
        if agent.source != "git":
            continue  # an API agent's spec is its database row
        file = Path(agent.file)  # as the loader showed it: relative to the working directory
        found.append(file)
        ref = agent.spec.character_file
        if ref is not None and isinstance(contained(ref, file, agents_dir), Path):  # else refused already
            found.append(file.parent / ref)  # under the name the loader opens
    return found


def shared_files(agents_dir: Path) -> list[Path]:
    """defaults.yaml (when there is one) and every committed lockfile: not only the sets in use now, because an
    agent created through the API may take any locked set, and its stack's worker must find the lock."""
    found = [agents_dir / DEFAULTS_FILE] if (agents_dir / DEFAULTS_FILE).is_file() else []
    return found + sorted(p for p in (agents_dir / LOCKS_DIR).glob("*.lock") if p.is_file())


def manifest(files: Iterable[Path], agents_dir: Path) -> dict[str, str]:
    """Path relative to the agents directory -> sha256 of the bytes, as the recorder's input."""
    return {_relative(f, agents_dir): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _checked(path: str) -> PurePosixPath:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or "\0" in path:
        raise UserError(f"recorded fleet file {path!r}: not a path inside the agents directory")
    return pure


def materialise(files: Sequence[SourceFile], target: Path) -> None:
    """Make `target` hold exactly `files` (checked against their digests), replacing what it held: written
    beside it first, then swapped in, so a reader never sees half a fleet."""
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for file in files:
        if hashlib.sha256(file.content).hexdigest() != file.sha256:
            raise UserError(f"recorded fleet file {file.path}: its content does not match its sha256")
        path = staging.joinpath(*_checked(file.path).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.content)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
