"""A log budget per agent, so one chatty agent cannot starve the others: a token bucket of `rate` lines a
second with `burst` in reserve. Lines over the budget are dropped and counted; the count reaches the agent's
own log as one line per window ("N lines dropped"), so its owner knows what is missing and why.

The clock of the bucket is the lines' own: the container runtime's timestamp of each line (the node's clock,
not the agent's), not the moment the line reaches the collector. Lines arrive late and in bursts whenever the
collector was away (a restart, a new leader, a database outage): the shipper keeps them and delivers minutes
of them at once. Judged by arrival, an agent that logged 10 lines a second would lose most of a two-minute
backlog to the burst limit; judged by when they were written, it loses none, and a chatty agent is held to the
same rate whether its lines come live or late. Refill follows the newest time seen for the agent, so lines of
its replicas, interleaved, share one budget.

A line is charged when it is accepted and given back (`refund`) when its batch could not be stored: the
shipper sends that batch again and it must not pay twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

WINDOW_SECONDS = 10.0


@dataclass
class _Bucket:
    tokens: float
    updated: float  # the newest line time the bucket has been refilled to
    dropped: int = 0
    window_start: float = field(default=0.0)  # the line time of the window's first drop


class LogBudget:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, agent_id: str, at: float | None = None) -> bool:
        """Charge one line of `agent_id` written at `at` (Unix seconds; now when the line has no time)."""
        at = time.time() if at is None else at
        with self._lock:
            bucket = self._buckets.get(agent_id)
            if bucket is None:
                bucket = self._buckets[agent_id] = _Bucket(self.burst, at)
            if at > bucket.updated:
                bucket.tokens = min(self.burst, bucket.tokens + (at - bucket.updated) * self.rate)
                bucket.updated = at
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True
            if bucket.dropped == 0:
                bucket.window_start = at
            bucket.dropped += 1
            return False

    def refund(self, charged: Counter[str]) -> None:
        """Give back what lines that were not stored were charged (agent id -> lines)."""
        with self._lock:
            for agent_id, count in charged.items():
                bucket = self._buckets.get(agent_id)
                if bucket is not None:
                    bucket.tokens = min(self.burst, bucket.tokens + count)

    def closed_windows(self, now: float | None = None) -> list[tuple[str, int, float]]:
        """(agent id, lines dropped, line time of the first drop) of every drop window that began at least
        WINDOW_SECONDS before `now` (Unix seconds); reset."""
        now = time.time() if now is None else now
        out = []
        with self._lock:
            for agent_id, bucket in self._buckets.items():
                if bucket.dropped and now - bucket.window_start >= WINDOW_SECONDS:
                    out.append((agent_id, bucket.dropped, bucket.window_start))
                    bucket.dropped = 0
        return out
