"""Group commit of log lines: ingest requests hand their lines over and wait; one thread COPYs whatever has
gathered (up to MAX_BATCH lines, or BATCH_SECONDS) in one transaction, then releases every waiter. A request is
acknowledged to the shipper only after its lines are committed, so a collector that dies loses nothing: the
shipper still holds what was not acknowledged and sends it again (and the lines' ids make that a no-op for
what did commit).

Once the writer has stopped (the leadership ended), a request still handing lines over is refused at once:
its lines would otherwise sit in a queue no thread reads, and the request would wait for an answer until the
HTTP server, shutting down, cancelled it with a 500, which the shipper takes for a permanent error and drops."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

import psycopg

from launchpad.db.repository.telemetry.logs import copy_logs
from launchpad.db.repository.telemetry.types import LogLine
from services.collector.database import Database

log = logging.getLogger(__name__)
MAX_BATCH = 5000
BATCH_SECONDS = 0.05
# What a row itself makes the database (or the driver) refuse: the same on every resend. The ingest cleans what
# it knows of (eliza.py: NUL, lone surrogates); anything else is left out of the batch, not the batch dropped.
UNSTORABLE = (psycopg.DataError, UnicodeError)


@dataclass
class Pending:
    lines: list[LogLine]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class LogWriter:
    def __init__(self, db: Database, max_pending_lines: int = 50_000) -> None:
        self.db = db
        self.max_pending = max_pending_lines
        self._queue: queue.Queue[Pending] = queue.Queue()
        self._pending_lines = 0
        self._lock = threading.Lock()
        self._closed = False
        self.stats = {"lines": 0, "stored": 0, "batches": 0, "seconds": 0.0, "rejected": 0}

    def full(self) -> bool:
        """Back-pressure: the shipper is told to retry later rather than the collector growing without bound."""
        return self._pending_lines >= self.max_pending

    def submit(self, lines: list[LogLine]) -> Pending:
        pending = Pending(lines)
        if not lines:
            pending.done.set()
            return pending
        with self._lock:
            if self._closed:
                pending.error = RuntimeError("the collector is stopping")
                pending.done.set()
                return pending
            self._pending_lines += len(lines)
            self._queue.put(pending)
        return pending

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                first = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            batch, count = [first], len(first.lines)
            deadline = time.monotonic() + BATCH_SECONDS
            while count < MAX_BATCH:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                batch.append(item)
                count += len(item.lines)
            self._commit(batch, count)
        self._fail_all(RuntimeError("the collector is stopping"))

    def _commit(self, batch: list[Pending], count: int) -> None:
        lines = [line for p in batch for line in p.lines]
        started = time.perf_counter()
        error: BaseException | None = None
        stored = 0
        try:
            try:
                stored = self._copy(lines)
            except UNSTORABLE as exc:
                # A row the database refuses fails every resend of it, and with it every request sharing its
                # group commit: the batch is stored in halves until the row is alone, and only it is left out.
                log.warning("%d log lines hold a row the database refuses (%s): storing them apart", count,
                            exc.__class__.__name__)  # fmt: skip
                stored = self._store_apart(lines)
        except Exception as exc:
            log.warning("storing %d log lines failed: %s", count, exc)
            error = exc
        with self._lock:
            self._pending_lines -= count
        self.stats["lines"] += count if error is None else 0
        self.stats["stored"] += stored
        self.stats["batches"] += 1
        self.stats["seconds"] += time.perf_counter() - started
        for pending in batch:
            pending.error = error
            pending.done.set()

    def _copy(self, lines: list[LogLine]) -> int:
        return self.db.run(lambda conn: copy_logs(conn, lines))

    def _store_apart(self, lines: list[LogLine]) -> int:
        """`lines` failed together: each half is stored on its own, until a row that fails alone is left out."""
        if len(lines) == 1:
            self.stats["rejected"] += 1
            log.warning("a log line of agent %s was refused by the database and left out", lines[0].agent.id)
            return 0
        half = len(lines) // 2
        return self._store_or_split(lines[:half]) + self._store_or_split(lines[half:])

    def _store_or_split(self, lines: list[LogLine]) -> int:
        try:
            return self._copy(lines)
        except UNSTORABLE:
            return self._store_apart(lines)

    def _fail_all(self, error: BaseException) -> None:
        with self._lock:
            self._closed = True  # from here submit() refuses; what is queued is failed below
        while True:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                return
            pending.error = error
            pending.done.set()
