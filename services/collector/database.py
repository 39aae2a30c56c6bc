"""The leader's one database session: the advisory lock lives in it, and every fleet-wide write goes through
it, one at a time. One writer is what makes each stream's `seq` follow commit order (a Server-Sent Events
reader never skips a row that commits late), and if the session is lost the writes fail with it, so a leader
that lost its lock cannot go on writing as if it held it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg

from launchpad.db.repository.telemetry.types import Connection

T = TypeVar("T")


class LostSession(Exception):
    """The leader's session broke: leadership (and the lock) is gone."""


class Database:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.lost = threading.Event()

    def run(self, work: Callable[[Connection], T]) -> T:
        with self._lock:
            if self.lost.is_set():
                raise LostSession("the leader's database session was lost")
            try:
                return work(self._conn)
            except psycopg.OperationalError as exc:
                if self._conn.closed or self._conn.broken:
                    self.lost.set()
                    raise LostSession(str(exc)) from None
                raise
