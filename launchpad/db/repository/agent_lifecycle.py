"""The lifecycle status of API agents as the deployer moves it around an `up` (CONTRACT.md, "Agent status"):
pending -> deploying -> running | failed, or paused; a 'deleting' agent keeps that status until the `up` that
removes its objects succeeded, and then its row goes (its secret rows and values with it, by cascade).

The status after a run comes from the row's desired state (`paused`), not from the operation's kind: a
coalesced `up` applied the latest revision of the agent, whatever the requests in between asked. Agents from
git (`source = 'git'`) are the program's and the registry's: never touched here. Runs as the control plane
(owner or service_role), not under a user's RLS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

Connection = psycopg.Connection[Any]
# (user_id, agent name, the agents.revision the operation asked for, or None)
Key = tuple[str, str, int | None]


def _keys(agents: Sequence[Key]) -> tuple[list[str], list[str], list[int | None]]:
    """Columns for unnest, one row per agent: of several operations of one agent, the latest revision."""
    latest: dict[tuple[str, str], int | None] = {}
    for user, name, revision in agents:
        known = latest.get((user, name))
        latest[(user, name)] = revision if known is None or (revision is not None and revision > known) else known
    return [u for u, _ in latest], [n for _, n in latest], list(latest.values())


_KEYS = "unnest(%s::uuid[], %s::text[], %s::bigint[]) as k(user_id, name, revision)"
_WHERE = "where a.user_id = k.user_id and a.name = k.name and a.source = 'api'"
# The row's desired state is the one the run applied (no newer revision was asked for since): otherwise a
# newer operation is queued, and the agent stays 'deploying' until its run.
_CURRENT = "(k.revision is null or a.revision <= k.revision)"
_MATCH = f"from {_KEYS} {_WHERE}"  # UPDATE ... FROM


def mark_deploying(conn: Connection, agents: Sequence[Key]) -> int:
    """The run started: every agent of it is deploying, but one being deleted stays 'deleting'."""
    columns = _keys(agents)
    with conn.transaction():
        cur = conn.execute(
            f"update public.agents a set status = 'deploying' {_MATCH} and a.status <> 'deleting'", columns
        )
        return cur.rowcount


def mark_applied(conn: Connection, agents: Sequence[Key]) -> list[str]:
    """The run succeeded: 'deleting' rows are removed (their objects are gone), the rest are 'paused' or
    'running' as their desired state says. Returns the names whose rows were removed."""
    columns = _keys(agents)
    with conn.transaction():
        removed = [
            str(r[0])
            for r in conn.execute(
                f"delete from public.agents a using {_KEYS} {_WHERE} and a.status = 'deleting' and {_CURRENT}"
                " returning a.name",
                columns,
            )
        ]
        conn.execute(
            f"update public.agents a set status = case when a.paused then 'paused' else 'running' end {_MATCH}"
            f" and a.status <> 'deleting' and {_CURRENT}",
            columns,
        )
    return removed


def mark_failed(conn: Connection, agents: Sequence[Key]) -> int:
    """The run failed: 'failed', except an agent being deleted, which stays 'deleting' (the next `up` of its
    stack, whoever runs it, still removes it: the program leaves 'deleting' agents out of the fleet)."""
    columns = _keys(agents)
    with conn.transaction():
        cur = conn.execute(f"update public.agents a set status = 'failed' {_MATCH} and a.status <> 'deleting'", columns)
        return cur.rowcount
