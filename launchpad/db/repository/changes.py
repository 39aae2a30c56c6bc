"""The control plane's own live streams (supabase/migrations/20261207550000_dashboard_live.sql), read back for
the Server-Sent Events beside the collector's (telemetry/reads.py): `agents` (agent_changes: an agent created,
changed where the list shows it, or deleted), `operations` (an operation's state) and `opevents` (the engine
events of an operation). Read as the user (`as_user`): row-level security decides which rows exist.

These tables have several writers at once, so they are read in commit order, not sequence order: only rows of
transactions older than the oldest one still running (`pg_snapshot_xmin`) are taken, in (transaction, id)
order, and a position is transaction * 10^12 + id: nothing committed later can sort before a position already
sent. A committed row held back by an older transaction still running is `pending` until that one ends."""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row

from launchpad.db.repository.telemetry.types import Connection

STREAMS = ("agents", "operations", "opevents")
SCALE = 10**12  # position = transaction id * SCALE + the row's id within its stream

_HORIZON = "pg_snapshot_xmin(pg_current_snapshot())"

# (the table's alias, its transaction column, its id column) per stream
_ORDER = {"agents": ("c", "c.live_xid", "c.id"), "operations": ("o", "o.live_xid", "o.live_seq"),
          "opevents": ("e", "e.live_xid", "e.live_seq")}

_FROM = {
    "agents": """
        select ({position})::text as seq, c.name as agent, c.agent_id::text as agent_id, c.op, c.at, a.source, a.status,
               a.paused, a.revision, a.replicas, a.tenant, a.image, a.platforms, a.created_at, a.updated_at,
               h.health, h.replicas_ready
        from public.agent_changes c
        left join public.agents a on a.id = c.agent_id
        left join public.agent_health h on h.agent_id = c.agent_id
        where {window} and (%(agent)s::uuid is null or c.agent_id = %(agent)s)""",
    "operations": """
        select ({position})::text as seq, o.agent_name as agent, a.id::text as agent_id, o.id::text as id,
               o.kind, o.state, o.dry_run, o.created_at, o.started_at, o.finished_at, o.error_lines
        from public.operations o
        left join public.agents a on a.name = o.agent_name and a.user_id = o.user_id
        where {window} and (%(agent)s::uuid is null or a.id = %(agent)s)""",
    "opevents": """
        select ({position})::text as seq, o.agent_name as agent, a.id::text as agent_id,
               e.operation_id::text as operation_id, e.seq as number, e.at, e.kind, e.message
        from public.operation_events e
        join public.operations o on o.id = e.operation_id
        left join public.agents a on a.name = o.agent_name and a.user_id = o.user_id
        where {window} and (%(agent)s::uuid is null or a.id = %(agent)s)""",
}


def _position(stream: str) -> str:
    _, xid, row = _ORDER[stream]
    return f"({xid}::text::numeric * {SCALE} + {row})"


def _window(stream: str, *, pending: bool) -> str:
    _, xid, _ = _ORDER[stream]
    # The first test bounds the index scan; the second is exact.
    after = f"{xid} >= %(after_xid)s::text::xid8 and {_position(stream)} > %(after)s"
    return f"{after} and {xid} {'>=' if pending else '<'} {_HORIZON}"


def _params(after: int, agent_id: str | None, limit: int | None = None) -> dict[str, Any]:
    return {"after": after, "after_xid": str(after // SCALE), "agent": agent_id, "limit": limit}


def heads(conn: Connection) -> dict[str, int]:
    """Where the streams are now: a client starting without a Last-Event-ID gets what commits from here on
    (and a change another transaction committed while an older one still runs, which it then gets twice at
    most: every event carries the whole current state of what it is about)."""
    row = conn.execute(f"select ({_HORIZON}::text::numeric * {SCALE})::text").fetchone()
    assert row is not None
    return dict.fromkeys(STREAMS, int(str(row[0])))


def after(conn: Connection, stream: str, position: int, *, agent_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The caller's rows of `stream` past `position` that nothing can come before any more, in order."""
    _, xid, row = _ORDER[stream]
    sql = (_FROM[stream].format(position=_position(stream), window=_window(stream, pending=False))
           + f" order by {xid}, {row} limit %(limit)s")
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(sql, _params(position, agent_id, limit)).fetchall()
    for r in found:
        r["seq"] = int(str(r["seq"]))
    return found


def pending(conn: Connection, stream: str, position: int) -> bool:
    """Whether a row past `position` is committed but held back by an older transaction still running."""
    sql = f"select exists ({_FROM[stream].format(position=_position(stream), window=_window(stream, pending=True))})"
    row = conn.execute(sql, _params(position, None)).fetchone()
    return bool(row and row[0])
