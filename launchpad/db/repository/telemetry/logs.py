"""agent_logs: batches COPYed into a temporary table, then inserted with ON CONFLICT DO NOTHING on the
line's derived id, so a batch delivered twice (the shipper retries what a collector that died never
acknowledged) is stored once. Rows are inserted in log-time order, so `seq` follows it within a batch."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from launchpad.db.repository.telemetry.partitions import with_partitions
from launchpad.db.repository.telemetry.types import Connection, LogLine

_STAGE = """
create temporary table if not exists incoming_logs (
  id uuid not null, agent_id uuid not null, user_id uuid not null, level text not null, message text not null,
  context jsonb not null, logged_at timestamptz not null
) on commit delete rows
"""
_COPY = "copy incoming_logs (id, agent_id, user_id, level, message, context, logged_at) from stdin"
_INSERT = """
insert into public.agent_logs (id, agent_id, user_id, level, message, context, logged_at)
select id, agent_id, user_id, level, message, context, logged_at from incoming_logs
order by logged_at, id
on conflict (id, logged_at) do nothing
"""


def copy_logs(conn: Connection, lines: list[LogLine]) -> int:
    """Store `lines` in one transaction; how many were new."""
    if not lines:
        return 0

    def write() -> int:
        with conn.transaction():
            conn.execute(_STAGE)
            with conn.cursor() as cur, cur.copy(_COPY) as copy:
                for line in lines:
                    context = line.context if isinstance(line.context, str) else Jsonb(line.context)
                    copy.write_row(
                        (line.id, line.agent.id, line.agent.user_id, line.level, line.message, context, line.logged_at)
                    )
            return conn.execute(_INSERT).rowcount

    return with_partitions(conn, {line.logged_at.date() for line in lines}, write)
