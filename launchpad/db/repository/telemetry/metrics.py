"""agent_metrics: one COPY per collection interval for the whole fleet; read back per agent for the API.

COPY goes into a temporary table and one INSERT ... SELECT moves the rows: PostgreSQL refuses COPY FROM into
a table with row-level security for a role it applies to ("COPY FROM not supported with row-level
security"), and the collector's role is such a role on purpose (launchpad_collector: no BYPASSRLS, which a
non-superuser cannot grant on PostgreSQL 15)."""

from __future__ import annotations

from launchpad.db.repository.telemetry.partitions import with_partitions
from launchpad.db.repository.telemetry.types import Connection, MetricSample

_STAGE = """
create temporary table if not exists incoming_metrics (
  agent_id uuid not null, user_id uuid not null, name text not null, value double precision not null,
  recorded_at timestamptz not null
) on commit delete rows
"""
_COPY = "copy incoming_metrics (agent_id, user_id, name, value, recorded_at) from stdin"
_INSERT = """
insert into public.agent_metrics (agent_id, user_id, name, value, recorded_at)
select agent_id, user_id, name, value, recorded_at from incoming_metrics
"""


def copy_metrics(conn: Connection, samples: list[MetricSample]) -> int:
    """Write `samples` in one transaction; partitions of their days are made if missing."""
    if not samples:
        return 0

    def write() -> int:
        with conn.transaction():
            conn.execute(_STAGE)
            with conn.cursor() as cur, cur.copy(_COPY) as copy:
                for s in samples:
                    copy.write_row((s.agent.id, s.agent.user_id, s.name, s.value, s.recorded_at))
            return conn.execute(_INSERT).rowcount

    return with_partitions(conn, {s.recorded_at.date() for s in samples}, write)
