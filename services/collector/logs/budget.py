"""A log budget per agent, so one chatty agent cannot starve the others: a token bucket of `rate` lines a
second with `burst` in reserve. Lines over the budget are dropped and counted; the count reaches the agent's
own log as one line per window ("N lines dropped"), so its owner knows what is missing and why."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

WINDOW_SECONDS = 10.0


@dataclass
class _Bucket:
    tokens: float
    updated: float
    dropped: int = 0
    window_start: float = field(default=0.0)


class LogBudget:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, agent_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(agent_id)
            if bucket is None:
                bucket = self._buckets[agent_id] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True
            if bucket.dropped == 0:
                bucket.window_start = now
            bucket.dropped += 1
            return False

    def closed_windows(self, now: float | None = None) -> list[tuple[str, int, float]]:
        """(agent id, lines dropped, window start) of every drop window older than WINDOW_SECONDS; reset."""
        now = time.monotonic() if now is None else now
        out = []
        with self._lock:
            for agent_id, bucket in self._buckets.items():
                if bucket.dropped and now - bucket.window_start >= WINDOW_SECONDS:
                    out.append((agent_id, bucket.dropped, bucket.window_start))
                    bucket.dropped = 0
        return out
