"""The committed lockfile of each plugin set: `<agents dir>/locks/<set hash>.lock`, bun's text lockfile
(`bun.lock`) written by `python -m launchpad lock`. Reading and checking only: the loader refuses a set whose
lock is missing or stale, because `bun install --frozen-lockfile` in the image build would refuse it too,
much later."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from launchpad.images.build import ImageBuild

LOCKS_DIR = "locks"
# bun.lock is JSON with trailing commas (JSONC). Its strings are package names, versions, URLs and integrity
# hashes, none of which contain `,}` or `,]`.
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def lock_path(locks_dir: Path, build: ImageBuild) -> Path:
    return locks_dir / f"{build.set_hash}.lock"


def parse_lock(text: str) -> dict[str, Any]:
    data = json.loads(_TRAILING_COMMA.sub(r"\1", text))
    if not isinstance(data, dict):
        raise ValueError("not a bun.lock object")
    return data


def resolved_version(lock: dict[str, Any], package: str) -> str | None:
    """The version the lock resolves for a top-level package (`"bun": ["bun@1.3.14", ...]`)."""
    entry = (lock.get("packages") or {}).get(package)
    if isinstance(entry, list) and entry and isinstance(entry[0], str):
        return entry[0].rpartition("@")[2]
    return None


def stale_reason(text: str, build: ImageBuild) -> str | None:
    """Why `text` is not the lock of `build`'s plugin set, or None when it is."""
    try:
        lock = parse_lock(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return f"it is not a readable bun.lock ({exc})"
    root = ((lock.get("workspaces") or {}).get("") or {}).get("dependencies") or {}
    wanted = build.dependencies()
    if root != wanted:
        changed = sorted(set(root.items()) ^ set(wanted.items()))
        return "its dependencies differ from the plugin set's: " + ", ".join(f"{n}@{v}" for n, v in changed[:6])
    bun = resolved_version(lock, "bun")
    if bun != build.bun_version:
        return f"it resolves bun {bun}, the image runs bun {build.bun_version}"
    return None


def read_lock(locks_dir: Path, build: ImageBuild) -> tuple[str | None, str | None]:
    """(lock text, None) when the committed lock fits the set, else (None, what is wrong)."""
    path = lock_path(locks_dir, build)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, f"no lockfile {path} for this plugin set"
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read lockfile {path}: {exc}"
    reason = stale_reason(text, build)
    if reason is not None:
        return None, f"lockfile {path} is stale: {reason}"
    return text, None


class LockReader:
    """`read_lock` once per plugin set, and one locked ImageBuild per set that all its agents share: a fleet of
    1,000 agents has a handful of sets, and a lock is ~130 KB of JSON (its hash is the image tag)."""

    def __init__(self, locks_dir: Path) -> None:
        self.locks_dir = locks_dir
        self._seen: dict[ImageBuild, tuple[ImageBuild | None, str | None]] = {}
        self._locked_sets: list[frozenset[str]] | None = None

    def __call__(self, build: ImageBuild) -> tuple[ImageBuild | None, str | None]:
        """(`build` with its committed lockfile, None), or (None, what is wrong with the lock)."""
        if build not in self._seen:
            text, wrong = read_lock(self.locks_dir, build)
            self._seen[build] = (None, wrong) if text is None else (dataclasses.replace(build, lockfile=text), None)
        return self._seen[build]

    def locked_sets(self) -> list[frozenset[str]]:
        """The dependencies (`name@version`) of every committed lockfile that can be read, to tell an agent
        whose plugin set has no lock which of its plugins made the set new. Read once, and only then."""
        if self._locked_sets is None:
            found = []
            for path in sorted(self.locks_dir.glob("*.lock")):
                try:
                    lock = parse_lock(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, ValueError):
                    continue  # reported for the set it belongs to, if any agent uses it
                root = ((lock.get("workspaces") or {}).get("") or {}).get("dependencies") or {}
                found.append(frozenset(f"{name}@{version}" for name, version in root.items()))
            self._locked_sets = found
        return self._locked_sets
