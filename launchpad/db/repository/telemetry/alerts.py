"""system_alerts from Alertmanager's webhook: one row per incident, keyed by (fingerprint, startsAt).

A repeated firing notification updates nothing it has not changed; `resolved` closes the row; a user's
`acknowledged` survives later firing notifications of the same incident; a stale firing notification that
arrives after the resolved one (Alertmanager retries) does not reopen it. The alert is linked to the agent its
labels name (namespace, agent), hence to its owner; alerts about no agent of the registry are not stored (no
owner could see them) and are counted instead."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.types.json import Jsonb

from launchpad.db.repository.telemetry.types import AlertNotice, Connection

_UPSERT = """
with input as (
  select * from jsonb_to_recordset(%(rows)s) as x(
    fingerprint text, status text, alertname text, severity text, namespace text, agent text, title text,
    message text, starts_at timestamptz, ends_at timestamptz, labels jsonb)
),
matched as (
  select i.*, a.id as agent_id, a.user_id from input i
  join public.agents a on a.namespace = i.namespace and a.name = i.agent
),
written as (
  insert into public.system_alerts as s
    (user_id, agent_id, severity, title, message, status, fingerprint, alertname, starts_at, labels, resolved_at,
     created_at)
  select user_id, agent_id, severity, title, message,
         case when status = 'resolved' then 'resolved' else 'open' end,
         fingerprint, alertname, starts_at, labels, case when status = 'resolved' then ends_at end, starts_at
  from matched
  on conflict (fingerprint, starts_at) do update set
    severity = excluded.severity, title = excluded.title, message = excluded.message, labels = excluded.labels,
    status = case when excluded.status = 'resolved' then 'resolved' else s.status end,
    resolved_at = coalesce(s.resolved_at, excluded.resolved_at)
  where (excluded.status = 'resolved' and s.status <> 'resolved')
     or (s.severity, s.title, s.message, s.labels)
        is distinct from (excluded.severity, excluded.title, excluded.message, excluded.labels)
  returning 1
)
select (select count(*) from input), (select count(*) from matched), (select count(*) from written)
"""


@dataclass(frozen=True)
class AlertsWritten:
    received: int
    matched: int  # linked to an agent (and its owner)
    changed: int  # rows inserted or updated


def upsert_alerts(conn: Connection, notices: list[AlertNotice]) -> AlertsWritten:
    if not notices:
        return AlertsWritten(0, 0, 0)
    rows = [
        {
            "fingerprint": n.fingerprint,
            "status": n.status,
            "alertname": n.alertname,
            "severity": n.severity,
            "namespace": n.namespace,
            "agent": n.agent,
            "title": n.alertname,
            "message": n.summary + (f"\nRunbook: {n.runbook}" if n.runbook else ""),
            "starts_at": n.starts_at.isoformat(),
            "ends_at": n.ends_at.isoformat() if n.ends_at else None,
            "labels": n.labels,
        }
        for n in notices
    ]
    with conn.transaction():
        row = conn.execute(_UPSERT, {"rows": Jsonb(rows)}).fetchone()
    assert row is not None
    return AlertsWritten(*(int(str(v)) for v in row))
