"""Partitions ahead of the clock and retention behind it, on the leader, hourly (and at start-up)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from launchpad.db.repository.telemetry.partitions import Maintenance, Retention, maintain
from services.collector.database import Database, LostSession

log = logging.getLogger(__name__)


class PartitionKeeper:
    def __init__(
        self, db: Database, retention: Retention, ahead_days: int = 7, every_seconds: float = 3600.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:  # fmt: skip
        self.db, self.retention, self.ahead_days = db, retention, ahead_days
        self.every, self.clock = every_seconds, clock
        self.last: Maintenance | None = None

    def once(self) -> Maintenance:
        now = self.clock()
        self.last = self.db.run(lambda conn: maintain(conn, now, ahead_days=self.ahead_days, retention=self.retention))
        if self.last.created or self.last.dropped:
            log.info("partitions: %d created, dropped %s", self.last.created, self.last.dropped)
        return self.last

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.once()
            except LostSession:
                raise
            except Exception:
                log.exception("partition maintenance failed")
            stop.wait(self.every)
