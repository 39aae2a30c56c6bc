"""The registry as the collector needs it: (namespace, agent name) -> the agent's id and owner. Read in one
query and kept in memory; read again on a schedule, and at most every few seconds when an observation names
an agent it does not know (an agent created since the last read)."""

from __future__ import annotations

import threading
import time

from launchpad.db.repository.telemetry.agents import agent_refs
from launchpad.db.repository.telemetry.types import AgentRef
from services.collector.database import Database

REFRESH_SECONDS = 30.0
MISS_REFRESH_SECONDS = 2.0


class AgentDirectory:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._refs: dict[tuple[str, str], AgentRef] = {}
        self._lock = threading.Lock()
        self._read_at = 0.0
        self.generation = 0  # bumped on every read: who waited for an unknown agent looks again

    def refresh(self) -> None:
        refs = self._db.run(agent_refs)
        with self._lock:
            self._refs, self._read_at = refs, time.monotonic()
            self.generation += 1

    def maybe_refresh(self) -> None:
        if time.monotonic() - self._read_at >= REFRESH_SECONDS:
            self.refresh()

    def get(self, namespace: str, name: str) -> AgentRef | None:
        with self._lock:
            found = self._refs.get((namespace, name))
            stale = time.monotonic() - self._read_at >= MISS_REFRESH_SECONDS
        if found is None and stale:
            self.refresh()
            with self._lock:
                found = self._refs.get((namespace, name))
        return found

    def all(self) -> list[AgentRef]:
        with self._lock:
            return list(self._refs.values())
