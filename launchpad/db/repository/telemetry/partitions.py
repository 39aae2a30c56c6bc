"""Daily partitions of the time series: created ahead, dropped behind (retention), and created on demand when
a write meets a day that has none (a collector that was down for longer than `ahead` days, or a clock that
jumped), so a write is never lost for want of a partition. agent_events is not partitioned (one row per
transition): its retention is a DELETE."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

import psycopg

from launchpad.db.repository.telemetry.types import Connection

SERIES = ("public.agent_metrics", "public.agent_logs")
T = TypeVar("T")


@dataclass(frozen=True)
class Retention:
    """How long each table keeps its rows (stack setting `collector.retentionDays`)."""

    metrics: timedelta = timedelta(days=14)
    logs: timedelta = timedelta(days=7)
    events: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class Maintenance:
    created: int
    dropped: list[str]
    events_deleted: int


def ensure_days(conn: Connection, days: Iterable[date]) -> int:
    """Create the partitions of both series for `days` (UTC dates) that are missing; how many were made."""
    created = 0
    for day in sorted(set(days)):
        for parent in SERIES:
            row = conn.execute("select public.create_time_partitions(%s, %s, 1)", (parent, day)).fetchone()
            created += int(str(row[0])) if row else 0
    return created


def maintain(conn: Connection, now: datetime, *, ahead_days: int, retention: Retention) -> Maintenance:
    """Yesterday through `ahead_days` ahead exist; partitions entirely older than their retention are gone;
    events older than theirs are deleted. Autocommit connection: each call is its own transaction."""
    today = now.date()
    created = ensure_days(conn, (today + timedelta(days=d) for d in range(-1, ahead_days + 1)))
    dropped = []
    for parent, keep in (("public.agent_metrics", retention.metrics), ("public.agent_logs", retention.logs)):
        rows = conn.execute("select * from public.drop_time_partitions(%s, %s)", (parent, now - keep)).fetchall()
        dropped += [str(r[0]) for r in rows]
    deleted = conn.execute("delete from public.agent_events where at < %s", (now - retention.events,)).rowcount
    return Maintenance(created, dropped, deleted)


def with_partitions(conn: Connection, days: Iterable[date], write: Callable[[], T]) -> T:
    """Run `write` (which opens its own transaction); if it meets a day without a partition, create the
    partitions of `days` and run it once more."""
    try:
        return write()
    except psycopg.errors.CheckViolation as exc:
        if "no partition of relation" not in str(exc):
            raise
    ensure_days(conn, days)
    return write()
