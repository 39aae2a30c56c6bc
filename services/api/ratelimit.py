"""Per-user rate limits (services/api/limits.py) over the `limits` library's moving window, in this process's
memory: each API replica counts on its own, so the limit a user meets is per replica (the Deployment runs
few; a shared store, the same library's Redis storage, is the change if that ever matters).

Every authenticated answer says where the user stands (`X-RateLimit-Limit`, `-Remaining`, `-Reset`: epoch
seconds); the request over the limit gets 429 with `Retry-After`. Refused tokens are counted per client
address: a source that keeps sending bad tokens is blocked for the rest of the minute."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from services.api import limits
from services.api.errors import ApiError


@dataclass(frozen=True)
class Standing:
    limit: int
    remaining: int
    reset: int  # epoch seconds when the window has room again

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}


class RateLimits:
    def __init__(
        self,
        changes_per_minute: int = limits.CHANGES_PER_MINUTE,
        reads_per_minute: int = limits.READS_PER_MINUTE,
        auth_failures_per_minute: int = limits.AUTH_FAILURES_PER_MINUTE,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.changes = RateLimitItemPerMinute(changes_per_minute)
        self.reads = RateLimitItemPerMinute(reads_per_minute)
        self.auth_failures = RateLimitItemPerMinute(auth_failures_per_minute)

    def take(self, item: RateLimitItem, *key: str) -> Standing:
        """Count one request; ApiError 429 when the window is full (the request does not count then)."""
        allowed = self._limiter.hit(item, *key)
        stats = self._limiter.get_window_stats(item, *key)
        standing = Standing(item.amount, max(stats.remaining, 0), math.ceil(stats.reset_time))
        if not allowed:
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise ApiError(429, "RATE_LIMITED", f"too many requests: {item.amount} a minute; retry in {wait} s",
                           headers={**standing.headers(), "Retry-After": str(wait)})
        return standing

    def count(self, item: RateLimitItem, *key: str) -> None:
        """Count one event that is not itself refused (a token we refused)."""
        self._limiter.hit(item, *key)

    def blocked(self, item: RateLimitItem, *key: str) -> int | None:
        """Seconds until `key` may try again, when its window is full; None when it is not."""
        stats = self._limiter.get_window_stats(item, *key)
        if stats.remaining > 0:
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
