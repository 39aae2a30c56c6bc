"""`python -m launchpad lock [PATH ...] [--update]`: write the lockfile of every plugin set of the fleet.

A set whose committed lock still fits is left alone unless --update (then every set is resolved again from
the npm registry: indirect versions move). Locks of sets no agent uses any more are removed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from launchpad.fleet import FleetError, load_fleet
from launchpad.fleet.loader import locks_dir_of
from launchpad.images.build import ImageBuild
from launchpad.images.lockfiles import read_lock
from launchpad.runtime.lock import remove, unused_locks, write_lock
from launchpad.runtime.toolchain import ToolchainError


def _lock(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [Path("agents")]
    try:
        fleet = load_fleet(paths, require_locks=False)
    except FleetError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    locks_dir = locks_dir_of(paths)
    builds: dict[str, ImageBuild] = {b.set_hash: b for b in fleet.images().values()}
    try:
        for set_hash, build in sorted(builds.items()):
            users = sorted(a.name for a in fleet.agents if a.image_build and a.image_build.set_hash == set_hash)
            if not args.update and read_lock(locks_dir, build)[0] is not None:
                print(f"{set_hash}: up to date ({', '.join(users)})")
                continue
            path = write_lock(build, locks_dir)
            print(f"{set_hash}: wrote {path} ({', '.join(users)})")
    except ToolchainError as exc:
        print(f"lock: {exc}", file=sys.stderr)
        return 1
    stale = unused_locks(locks_dir, list(builds.values()))
    remove(stale)
    for path in stale:
        print(f"removed {path} (no agent uses that plugin set)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lock = sub.add_parser("lock", help="resolve and write the lockfile of every plugin set (agents/locks/)")
    lock.add_argument("paths", nargs="*", help="agent files or directories (default: agents/)")
    lock.add_argument("--update", action="store_true", help="resolve every set again, even where its lock fits")
    lock.set_defaults(func=_lock)
