"""What the Pulumi program reads of the agents created through the API: one fleet's rows and their sealed
secret values, in one read-only transaction over the stack's own connection (the owner: neither the API's
role nor a user may read a ciphertext). The program fails when this fails: an `up` that could not see the
API agents would delete them.

A dry-run operation (CONTRACT: operations.candidate) replaces one agent of the fleet for a preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from launchpad.db import pg_errors
from launchpad.db.connect import connect
from launchpad.db.errors import DatabaseUnavailable, RegistryError
from launchpad.fleet.api_source import ApiAgent

# Every api agent of the fleet but those being deleted: an `up` without them removes their objects.
_AGENTS = """
select a.name, a.user_id::text, a.spec, a.paused, a.restarted_at, a.id::text
from public.agents a
where a.source = 'api' and a.fleet = %s and a.status <> 'deleting'
order by a.name
"""
# A database before the migration that made API agents possible (or before any: the stack's first `up`, which
# applies them) holds none: that is not a database the program cannot read.
_HAS_API_AGENTS = """
select exists (select 1 from information_schema.columns
               where table_schema = 'public' and table_name = 'agents' and column_name = 'source')
"""
_SEALED = """
select a.name, v.user_id::text, v.env_name, v.key_id, v.ciphertext
from public.agent_secret_values v
join public.agents a on a.id = v.agent_id
where a.source = 'api' and a.fleet = %s and a.status <> 'deleting'
order by a.name, v.env_name
"""
_CANDIDATE = """
select o.agent_name, o.kind, o.candidate, (select a.id::text from public.agents a where a.name = o.agent_name)
from public.operations o
where o.id = %s and o.dry_run and o.stack = any(%s)
"""


@dataclass(frozen=True)
class SealedValue:
    agent: str
    user_id: str
    env_name: str
    key_id: str
    ciphertext: bytes


@dataclass(frozen=True)
class FleetApiAgents:
    agents: list[ApiAgent]
    sealed: list[SealedValue]


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _bytes(value: object) -> bytes:
    return bytes(value) if isinstance(value, bytes | memoryview | bytearray) else b""


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def read_fleet_api_agents(url: str, fleet: str) -> FleetApiAgents:
    """Every agent created through the API for `fleet` (its root stack's name), with its sealed values."""
    try:
        with connect(url, application_name="launchpad-program") as conn, conn.transaction():
            conn.execute("set transaction read only")
            found = conn.execute(_HAS_API_AGENTS).fetchone()
            if not (found and found[0]):
                return FleetApiAgents([], [])
            agents = [
                ApiAgent(str(name), _mapping(spec), bool(paused), _iso(restarted), str(row_id))
                for name, _, spec, paused, restarted, row_id in conn.execute(_AGENTS, (fleet,))
            ]
            sealed = [
                SealedValue(str(agent), str(user), str(env), str(key), _bytes(blob))
                for agent, user, env, key, blob in conn.execute(_SEALED, (fleet,))
            ]
    except psycopg.Error as exc:
        raise RegistryError(f"reading the agents created through the API: {pg_errors.reason(exc, url)}") from None
    except DatabaseUnavailable as exc:
        raise RegistryError(f"reading the agents created through the API: {exc}") from None
    return FleetApiAgents(agents, sealed)


def read_preview_candidate(url: str, operation_id: str, stacks: list[str]) -> tuple[str, ApiAgent | None]:
    """The agent a dry-run operation previews: (name, the agent as it would be), or (name, None) for a
    delete. Only an operation of one of `stacks` (this fleet's)."""
    try:
        with connect(url, application_name="launchpad-program") as conn:
            row = conn.execute(_CANDIDATE, (operation_id, stacks)).fetchone()
    except psycopg.Error as exc:
        raise RegistryError(f"reading dry-run operation {operation_id}: {pg_errors.reason(exc, url)}") from None
    if row is None:
        raise RegistryError(f"dry-run operation {operation_id} does not exist for this fleet")
    name, kind, candidate = str(row[0]), str(row[1]), _mapping(row[2])
    if kind == "delete" or not candidate.get("spec"):
        return name, None
    restarted = candidate.get("restartedAt")
    # A create's preview has no row yet: its incarnation is "" until the row exists (a preview draws no nonce).
    return name, ApiAgent(name, _mapping(candidate["spec"]), bool(candidate.get("paused", False)),
                          str(restarted) if restarted else None, str(row[3] or ""))
