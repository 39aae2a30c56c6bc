"""Where the API reads the git fleet's files: the agent files (names it may not give an API agent), defaults.yaml
and the lockfiles (an API agent is validated as the program will load it).

A checkout (the dev stack, tests, an API run beside the repository) has them in its agents directory. The control
plane's image carries code only (launchpad/images/control_plane.py): there the API writes the files the fleet's
last `up` recorded (launchpad/db/repository/fleet_sources.py) to a directory of its own, and again whenever the
record changes (looked up at most every few seconds, one small query).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

from launchpad.db.connect import connect
from launchpad.db.repository import fleet_sources
from launchpad.stacks.sources import materialise
from services.api.errors import ApiError

NOT_RECORDED = (
    "the fleet's agent files are not recorded yet (its first `pulumi up` records them): agents cannot be "
    "validated; try again after the fleet's first deployment"
)


class AgentsDir(Protocol):
    def path(self) -> Path: ...


class CheckoutAgents:
    """The agents directory of the project the API was given."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def path(self) -> Path:
        return self._path


class RecordedAgents:
    """The fleet's recorded files, written out under `base` and kept current. Each version of the record gets a
    directory of its own, and the one before it is kept: a request still validating against the previous files
    never sees them vanish under it."""

    def __init__(self, database_url: str, fleet: str, base: Path | None = None, every: float = 5.0) -> None:
        self.url, self.fleet, self.every = database_url, fleet, every
        self.base = base or Path(tempfile.mkdtemp(prefix="launchpad-fleet-"))
        self._version: str | None = None
        self._current: Path | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def path(self) -> Path:
        with self._lock:
            if self._current is None or time.monotonic() - self._checked >= self.every:
                self._refresh()
            assert self._current is not None
            return self._current

    def _refresh(self) -> None:
        with connect(self.url, application_name="launchpad-api-fleet") as conn:
            now = fleet_sources.version(conn, self.fleet)
            if now is None:
                raise ApiError(503, "FLEET_NOT_RECORDED", NOT_RECORDED)
            if now != self._version:
                files = fleet_sources.read(conn, self.fleet) or []
                target = self.base / hashlib.sha256(now.encode()).hexdigest()[:16] / "agents"
                materialise(files, target)
                keep = {target.parent} | ({self._current.parent} if self._current is not None else set())
                for old in self.base.iterdir():
                    if old not in keep:
                        shutil.rmtree(old, ignore_errors=True)
                self._version, self._current = now, target
        self._checked = time.monotonic()


def agents_dir(checkout: Path, database_url: str, fleet: str) -> AgentsDir:
    """The checkout's agents directory when there is one, else the fleet's recorded files."""
    return CheckoutAgents(checkout) if checkout.is_dir() else RecordedAgents(database_url, fleet)
