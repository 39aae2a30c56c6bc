"""The names the fleet's agent files in git take, and which file takes each: an agent name is unique across
git and the API, and a file committed but not yet deployed has no registry row to find it by. Read from the
agents directory the API was given (the same checkout the deployer runs), each file parsed once per change
of its modification time."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import yaml

from launchpad.fleet.loader import AGENT_SUFFIXES, DEFAULTS_FILE

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GitNames:
    def __init__(self, agents_dir: Path, project: Path) -> None:
        self.agents_dir = agents_dir
        self.project = project
        self._seen: dict[Path, tuple[int, str | None]] = {}
        self._lock = threading.Lock()

    def file_of(self, name: str) -> str | None:
        """The agent file (relative to the project, as `validate` names it) that defines `name`, if any."""
        with self._lock:
            found: dict[str, Path] = {}
            paths = sorted(p for p in self.agents_dir.glob("*") if p.suffix in AGENT_SUFFIXES and p.is_file())
            for path in paths:
                if path.name == DEFAULTS_FILE:
                    continue
                mtime = path.stat().st_mtime_ns
                cached = self._seen.get(path)
                if cached is None or cached[0] != mtime:
                    cached = (mtime, _name_in(path))
                    self._seen[path] = cached
                if cached[1] is not None:
                    found.setdefault(cached[1], path)
            self._seen = {p: v for p, v in self._seen.items() if p in set(paths)}
        where = found.get(name)
        return os.path.relpath(where, self.project) if where is not None else None


def _name_in(path: Path) -> str | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # `validate` says what is wrong with it; it takes no name meanwhile
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
