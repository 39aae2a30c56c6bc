"""Observed health: one agent_health row per agent and one agent_events row per transition.

One statement per batch: it reads the previous rows, upserts the new ones only where something changed, and
inserts an event for each row it changed, so writing the same observation twice (a restarted collector
re-listing the cluster) changes nothing and records nothing. The watch's resourceVersions are stored in the
same transaction: a collector that dies after the commit resumes after them, one that dies before it replays
them."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from launchpad.db.repository.telemetry.state import write_state
from launchpad.db.repository.telemetry.types import Connection, Observation

_APPLY = """
with input as (
  select i.* from jsonb_to_recordset(%(rows)s) as i(
    agent_id uuid, user_id uuid, health text, replicas_desired integer, replicas_ready integer,
    restarts integer, reason text, at timestamptz)
  -- an agent deleted since the collector read the registry is skipped, not a foreign-key error
  join public.agents a on a.id = i.agent_id and a.user_id = i.user_id
),
previous as (
  select h.agent_id, h.health, h.replicas_desired, h.replicas_ready, h.restarts
  from public.agent_health h join input using (agent_id)
),
written as (
  insert into public.agent_health as h
    (agent_id, user_id, health, replicas_desired, replicas_ready, restarts, health_reason, health_changed_at,
     observed_at)
  select agent_id, user_id, health, replicas_desired, replicas_ready, restarts, reason, at, at from input
  on conflict (agent_id) do update set
    health = excluded.health,
    replicas_desired = excluded.replicas_desired,
    replicas_ready = excluded.replicas_ready,
    restarts = excluded.restarts,
    health_reason = excluded.health_reason,
    health_changed_at = case when h.health is distinct from excluded.health
                             then excluded.health_changed_at else h.health_changed_at end,
    observed_at = excluded.observed_at
  where (h.health, h.replicas_desired, h.replicas_ready, h.restarts, h.health_reason)
        is distinct from (excluded.health, excluded.replicas_desired, excluded.replicas_ready,
                          excluded.restarts, excluded.health_reason)
  returning h.agent_id, h.user_id, h.health, h.replicas_desired, h.replicas_ready, h.restarts,
            h.health_reason, h.observed_at
),
events as (
  insert into public.agent_events
    (agent_id, user_id, at, kind, health, previous_health, reason, replicas_desired, replicas_ready, restarts)
  select w.agent_id, w.user_id, w.observed_at,
         case when p.health is distinct from w.health then 'health' else 'replicas' end,
         w.health, p.health, w.health_reason, w.replicas_desired, w.replicas_ready, w.restarts
  from written w left join previous p using (agent_id)
  -- a changed reason alone updates the row but is no transition
  where (p.health, p.replicas_desired, p.replicas_ready, p.restarts)
        is distinct from (w.health, w.replicas_desired, w.replicas_ready, w.restarts)
  order by w.observed_at, w.agent_id
  returning 1
)
select (select count(*) from written), (select count(*) from events)
"""


def apply_observations(
    conn: Connection, observations: list[Observation], *, scope: str, versions: dict[str, str]
) -> tuple[int, int]:
    """Write `observations` (at most one per agent) and the watch state `versions` in one transaction.
    Returns (rows changed, events recorded)."""
    rows = [
        {
            "agent_id": o.agent.id,
            "user_id": o.agent.user_id,
            "health": o.health,
            "replicas_desired": o.replicas_desired,
            "replicas_ready": o.replicas_ready,
            "restarts": o.restarts,
            "reason": o.reason,
            "at": o.at.isoformat(),
        }
        for o in observations
    ]
    with conn.transaction():
        changed, recorded = 0, 0
        if rows:
            row = conn.execute(_APPLY, {"rows": Jsonb(rows)}).fetchone()
            assert row is not None
            changed, recorded = int(str(row[0])), int(str(row[1]))
        if versions:
            write_state(conn, scope, versions)
    return changed, recorded

