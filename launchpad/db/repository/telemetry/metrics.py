"""agent_metrics: one COPY per collection interval for the whole fleet; read back per agent for the API."""

from __future__ import annotations

from launchpad.db.repository.telemetry.partitions import with_partitions
from launchpad.db.repository.telemetry.types import Connection, MetricSample

_COPY = "copy public.agent_metrics (agent_id, user_id, name, value, recorded_at) from stdin"


def copy_metrics(conn: Connection, samples: list[MetricSample]) -> int:
    """Write `samples` in one transaction (COPY); partitions of their days are made if missing."""
    if not samples:
        return 0

    def write() -> int:
        with conn.transaction(), conn.cursor() as cur, cur.copy(_COPY) as copy:
            for s in samples:
                copy.write_row((s.agent.id, s.agent.user_id, s.name, s.value, s.recorded_at))
        return len(samples)

    return with_partitions(conn, {s.recorded_at.date() for s in samples}, write)
