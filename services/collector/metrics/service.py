"""Metrics from Prometheus each interval: the fleet's queries run side by side (five requests, not one per
agent), every series is matched to its agent's registry row, and the interval's samples go in with one COPY.
A series of an agent the registry does not know is dropped (no owner could read it)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from launchpad.db.repository.telemetry.metrics import copy_metrics
from launchpad.db.repository.telemetry.types import MetricSample
from services.collector.database import Database, LostSession
from services.collector.directory import AgentDirectory
from services.collector.metrics.prometheus import PrometheusError, instant_query
from services.collector.metrics.queries import queries

log = logging.getLogger(__name__)


@dataclass
class Round:
    at: datetime
    samples: int
    unmatched: int
    query_seconds: float
    write_seconds: float
    failed: list[str]


class MetricsCollector:
    def __init__(
        self, db: Database, directory: AgentDirectory, prometheus_url: str, interval: float, rate_window: str = "5m"
    ) -> None:
        self.db, self.directory, self.url, self.interval = db, directory, prometheus_url, interval
        self.queries = queries(rate_window)
        self.pool = ThreadPoolExecutor(max_workers=len(self.queries), thread_name_prefix="promql")
        self.rounds: list[Round] = []

    def collect(self, at: datetime | None = None) -> Round:
        at = at or datetime.now(UTC)
        started = time.perf_counter()
        when = at.timestamp()
        futures = {name: self.pool.submit(instant_query, self.url, q, when) for name, q in self.queries.items()}
        samples, unmatched, failed = [], 0, []
        for name, future in futures.items():
            try:
                result = future.result()
            except PrometheusError as exc:
                log.warning("metric %s: %s", name, exc)
                failed.append(name)
                continue
            for labels, value in result:
                ref = self.directory.get(labels.get("namespace", ""), labels.get("agent", ""))
                if ref is None:
                    unmatched += 1
                    continue
                samples.append(MetricSample(ref, name, value, at))
        queried = time.perf_counter()
        self.db.run(lambda conn: copy_metrics(conn, samples))
        done = time.perf_counter()
        finished = Round(at, len(samples), unmatched, queried - started, done - queried, failed)
        self.rounds = [*self.rounds[-99:], finished]
        return finished

    def run(self, stop: threading.Event) -> None:
        next_at = time.monotonic()
        while not stop.is_set():
            try:
                self.directory.maybe_refresh()
                self.collect()
            except LostSession:
                raise
            except Exception:
                log.exception("metrics round failed")
            next_at += self.interval
            stop.wait(max(0.0, next_at - time.monotonic()))
