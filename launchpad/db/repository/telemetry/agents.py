"""The fleet as the collector sees the registry: every agent's id and owner by (namespace, name), read in one
query (1,000 rows) and refreshed on a schedule, never one query per observation."""

from __future__ import annotations

from launchpad.db.repository.telemetry.types import AgentRef, Connection


def agent_refs(conn: Connection) -> dict[tuple[str, str], AgentRef]:
    rows = conn.execute("select id::text, user_id::text, name, namespace from public.agents").fetchall()
    refs = {}
    for agent_id, user_id, name, namespace in rows:
        refs[(str(namespace), str(name))] = AgentRef(str(agent_id), str(user_id), str(name), str(namespace))
    return refs
