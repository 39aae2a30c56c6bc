"""What the control plane reads back of the collector's tables (services/api: /status, /logs, /metrics and
the Server-Sent Events). Every function runs on a connection the caller has put in a transaction as the user
(launchpad/db/repository/session.py `as_user`): row-level security decides which rows exist, nothing here
filters by owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import class_row, dict_row

from launchpad.db.repository import changes
from launchpad.db.repository.telemetry.types import LOG_LEVELS, Connection

TELEMETRY_STREAMS = ("status", "logs", "metrics", "alerts")
# With the control plane's own (changes.py: agents, operations, opevents), read in commit order.
STREAMS = TELEMETRY_STREAMS + changes.STREAMS


@dataclass(frozen=True)
class ObservedRow:
    health: str
    replicas_desired: int
    replicas_ready: int
    restarts: int
    health_reason: str
    health_changed_at: datetime
    observed_at: datetime


def observed(conn: Connection, agent_id: str) -> ObservedRow | None:
    with conn.cursor(row_factory=class_row(ObservedRow)) as cur:
        return cur.execute(
            "select health, replicas_desired, replicas_ready, restarts, health_reason, health_changed_at,"
            " observed_at from public.agent_health where agent_id = %s", (agent_id,)
        ).fetchone()  # fmt: skip


def levels_from(level: str) -> list[str]:
    """`level` and every more severe one (debug -> all; error -> error, fatal)."""
    return list(LOG_LEVELS[LOG_LEVELS.index(level) :])


def logs_page(
    conn: Connection, agent_id: str, *, since: datetime, until: datetime | None, level: str,
    before: tuple[datetime, int] | None, limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Newest first: lines at or after `since` (and before `until`), of `level` or worse, older than the
    `before` position (logged_at, seq) of the previous page."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select seq, logged_at, level, message, context from public.agent_logs"
            " where agent_id = %(agent)s and logged_at >= %(since)s"
            " and (%(until)s::timestamptz is null or logged_at < %(until)s)"
            " and level = any(%(levels)s)"
            " and (%(before_at)s::timestamptz is null or (logged_at, seq) < (%(before_at)s, %(before_seq)s))"
            " order by logged_at desc, seq desc limit %(limit)s",
            {"agent": agent_id, "since": since, "until": until, "levels": levels_from(level),
             "before_at": before[0] if before else None, "before_seq": before[1] if before else None,
             "limit": limit},
        ).fetchall()  # fmt: skip


def metrics_page(
    conn: Connection, agent_id: str, *, since: datetime, until: datetime | None, names: list[str] | None,
    before: tuple[datetime, int] | None, limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select seq, recorded_at, name, value from public.agent_metrics"
            " where agent_id = %(agent)s and recorded_at >= %(since)s"
            " and (%(until)s::timestamptz is null or recorded_at < %(until)s)"
            " and (%(names)s::text[] is null or name = any(%(names)s))"
            " and (%(before_at)s::timestamptz is null or (recorded_at, seq) < (%(before_at)s, %(before_seq)s))"
            " order by recorded_at desc, seq desc limit %(limit)s",
            {"agent": agent_id, "since": since, "until": until, "names": names,
             "before_at": before[0] if before else None, "before_seq": before[1] if before else None,
             "limit": limit},
        ).fetchall()  # fmt: skip


def alerts_page(
    conn: Connection, agent_id: str, *, before: tuple[datetime, int] | None, limit: int
) -> list[dict[str, Any]]:
    """The agent's alerts, one row per incident (Alertmanager's fingerprint and start), newest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select seq, id::text as id, alertname, severity, title, message, status, labels,"
            " coalesce(starts_at, created_at) as started_at, resolved_at, updated_at from public.system_alerts"
            " where agent_id = %(agent)s"
            " and (%(before_at)s::timestamptz is null"
            "      or (coalesce(starts_at, created_at), seq) < (%(before_at)s, %(before_seq)s))"
            " order by coalesce(starts_at, created_at) desc, seq desc limit %(limit)s",
            {"agent": agent_id, "before_at": before[0] if before else None,
             "before_seq": before[1] if before else None, "limit": limit},
        ).fetchall()  # fmt: skip


# --- the live streams ---------------------------------------------------------------------------------------

_HEADS = """
select coalesce((select max(id) from public.agent_events), 0),
       coalesce(pg_sequence_last_value('public.agent_logs_seq'), 0),
       coalesce(pg_sequence_last_value('public.agent_metrics_seq'), 0),
       coalesce(pg_sequence_last_value('public.system_alerts_seq'), 0)
"""

_AFTER = {
    "status": """
        select e.id as seq, a.name as agent, e.agent_id::text as agent_id, e.at, e.kind, e.health,
               e.previous_health, e.reason, e.replicas_desired, e.replicas_ready, e.restarts
        from public.agent_events e join public.agents a on a.id = e.agent_id
        where e.id > %(after)s and (%(agent)s::uuid is null or e.agent_id = %(agent)s)
        order by e.id limit %(limit)s""",
    "logs": """
        select l.seq, a.name as agent, l.agent_id::text as agent_id, l.logged_at as at, l.level, l.message,
               l.context
        from public.agent_logs l join public.agents a on a.id = l.agent_id
        where l.seq > %(after)s and (%(agent)s::uuid is null or l.agent_id = %(agent)s)
        order by l.seq limit %(limit)s""",
    "metrics": """
        select m.seq, a.name as agent, m.agent_id::text as agent_id, m.recorded_at as at, m.name, m.value
        from public.agent_metrics m join public.agents a on a.id = m.agent_id
        where m.seq > %(after)s and (%(agent)s::uuid is null or m.agent_id = %(agent)s)
        order by m.seq limit %(limit)s""",
    "alerts": """
        select s.seq, a.name as agent, s.agent_id::text as agent_id, s.id::text as id, s.status, s.severity,
               s.title, s.message, s.starts_at, s.resolved_at, s.updated_at as at
        from public.system_alerts s left join public.agents a on a.id = s.agent_id
        where s.seq > %(after)s and (%(agent)s::uuid is null or s.agent_id = %(agent)s)
        order by s.seq limit %(limit)s""",
}


def stream_heads(conn: Connection) -> dict[str, int]:
    """Where each stream is now, for a client that starts without a Last-Event-ID: it gets what comes next.
    (The series' sequences are read with the USAGE the API roles hold; events by their own index.)"""
    row = conn.execute(_HEADS).fetchone()
    assert row is not None
    heads = {stream: int(str(value)) for stream, value in zip(TELEMETRY_STREAMS, row, strict=True)}
    return {**heads, **changes.heads(conn)}


def stream_after(
    conn: Connection, stream: str, after: int, *, agent_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The caller's rows of `stream` past `after`, in stream order (at most `limit`)."""
    if stream in changes.STREAMS:
        return changes.after(conn, stream, after, agent_id=agent_id, limit=limit)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(_AFTER[stream], {"after": after, "agent": agent_id, "limit": limit}).fetchall()


def stream_pending(conn: Connection, stream: str, after: int) -> bool:
    """Rows past `after` that a reader cannot take yet (changes.py: held back by an older transaction)."""
    return stream in changes.STREAMS and changes.pending(conn, stream, after)
