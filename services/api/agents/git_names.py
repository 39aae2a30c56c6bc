"""The names the fleet's agent files in git take, and which file takes each: an agent name is unique across
git and the API, and a file committed but not yet deployed has no registry row to find it by. Read from the
agents directory the API reads (services/api/agents/fleet_files.py: a checkout's, or the fleet's files as its
last `up` recorded them, as the deployer runs them), each file parsed once per change of its modification time."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import yaml

from launchpad.fleet.loader import AGENT_SUFFIXES, DEFAULTS_FILE
from services.api.agents.fleet_files import AgentsDir, CheckoutAgents

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GitNames:
    def __init__(self, agents: AgentsDir | Path, project: Path, shown: str = "agents") -> None:
        self.agents = CheckoutAgents(agents) if isinstance(agents, Path) else agents
        self.project = project
        self.shown = shown  # the agents directory as git names it (agentsDir), for recorded files
        self._seen: dict[Path, tuple[int, str | None]] = {}
        self._lock = threading.Lock()

    @property
    def agents_dir(self) -> Path:
        return self.agents.path()

    def file_of(self, name: str) -> str | None:
        """The agent file (relative to the project, as `validate` names it) that defines `name`, if any."""
        agents_dir = self.agents_dir
        with self._lock:
            found: dict[str, Path] = {}
            paths = sorted(p for p in agents_dir.glob("*") if p.suffix in AGENT_SUFFIXES and p.is_file())
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
        if where is None:
            return None
        if where.is_relative_to(self.project):
            return os.path.relpath(where, self.project)
        return f"{self.shown}/{where.relative_to(agents_dir)}"  # a recorded file: named as in git


def _name_in(path: Path) -> str | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # `validate` says what is wrong with it; it takes no name meanwhile
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
