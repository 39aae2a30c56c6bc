"""While the engine runs, a keeper thread renews the run's lease and writes the operations' buffered events
(so users follow an `up` as it goes), on a connection of its own.

Lease discipline: a holder that cannot renew must stop before its lease can expire, or the run that recovers
the stack (which first releases the engine's lock) would update the stack beside it. So when no renewal
succeeded for SELF_FENCE of the lease (the database unreachable, the run taken over), the keeper kills the
engine (`on_lost`) and the worker writes nothing more for that run. The recovering worker waits for the
lease's expiry by the database's clock, a quarter of the lease later at the earliest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg

from launchpad.db.repository import operations
from services.deployer.recorder import RunRecorder

SELF_FENCE = 0.75  # of the lease: stop the engine once this long has passed without a renewal

log = logging.getLogger(__name__)


class RunKeeper:
    def __init__(
        self,
        database_url: str,
        recorder: RunRecorder,
        *,
        lease_seconds: float,
        flush_seconds: float,
        on_lost: Callable[[], None],
    ) -> None:
        self._url = database_url
        self._recorder = recorder
        self._run_id = recorder.claim.run_id
        self._lease = lease_seconds
        self._flush = flush_seconds
        self._on_lost = on_lost
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"keeper-{self._run_id[:8]}", daemon=True)

    def __enter__(self) -> RunKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        last_renewal = time.monotonic()
        renew_every = self._lease / 4
        conn: psycopg.Connection[tuple[object, ...]] | None = None
        while not self._stop.wait(min(self._flush, renew_every)):
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(
                        self._url, autocommit=True, connect_timeout=5, application_name="launchpad-deployer-keeper"
                    )
                if time.monotonic() - last_renewal >= renew_every:
                    if not operations.heartbeat(conn, self._run_id, lease_seconds=self._lease):
                        self._lose("the run's lease was taken over")
                        return
                    last_renewal = time.monotonic()
                pending = self._recorder.drain()
                try:
                    operations.record_events(conn, pending, run_id=self._run_id)
                except psycopg.Error:
                    self._recorder.put_back(pending)
                    raise
            except psycopg.Error as exc:
                log.warning("run %s: keeping the lease failed: %s", self._run_id, exc)
                if conn is not None:
                    conn.close()
                    conn = None
            if time.monotonic() - last_renewal > self._lease * SELF_FENCE:
                self._lose(f"no lease renewal for {self._lease * SELF_FENCE:.0f} s")
                return
        if conn is not None:
            conn.close()

    def _lose(self, why: str) -> None:
        log.error("run %s: %s: stopping the engine", self._run_id, why)
        self.lost.set()
        self._on_lost()
