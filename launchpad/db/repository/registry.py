"""The agent registry: one `agents` row per deployed agent plus its `agent_secrets` (names, never values).

Runs on the owner (or service_role) connection, which bypasses row-level security: the program registers
agents on behalf of their owners.
"""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from launchpad.db import pg_errors
from launchpad.db.connect import connect
from launchpad.db.errors import RegistryError
from launchpad.db.repository.record import AgentRecord, SecretLocation

Connection = psycopg.Connection[tuple[object, ...]]

_UPSERT_AGENT = """
insert into public.agents
  (user_id, name, tenant, namespace, status, replicas, character, plugins, platforms, resources, image, source_file)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (user_id, name) do update set
  tenant = excluded.tenant, namespace = excluded.namespace, status = excluded.status,
  replicas = excluded.replicas, character = excluded.character, plugins = excluded.plugins,
  platforms = excluded.platforms, resources = excluded.resources, image = excluded.image,
  source_file = excluded.source_file
  where agents.source = 'git'
returning id
"""

# A git agent whose file changed owner: its old row goes (names are unique across owners), as
# RegistryMembers would remove it later in the same `up`. Never an api agent's row.
_DROP_PREVIOUS_OWNER = "delete from public.agents where name = %s and user_id <> %s and source = 'git'"


def upsert_agent(conn: Connection, record: AgentRecord, *, create_owner: bool = False) -> str:
    """Insert or update the git agent and make its secret rows exactly `record.secrets`. Returns the agent id.
    An agent created through the API is never changed: a git record with its name is an error.

    create_owner: first add a bare `auth.users` row for the owner if there is none. Only for local
    databases (the dev stack), whose users nobody signs up; a real Supabase has its users."""
    with conn.transaction():
        if create_owner:
            conn.execute("insert into auth.users (id) values (%s) on conflict do nothing", (record.user_id,))
        conn.execute(_DROP_PREVIOUS_OWNER, (record.name, record.user_id))
        try:
            with conn.transaction():
                row = conn.execute(
                    _UPSERT_AGENT,
                    (
                        record.user_id,
                        record.name,
                        record.tenant,
                        record.namespace,
                        record.status,
                        record.replicas,
                        Jsonb(record.character),
                        list(record.plugins),
                        Jsonb(record.platforms),
                        Jsonb(record.resources),
                        record.image,
                        record.source_file,
                    ),
                ).fetchone()
        except psycopg.errors.UniqueViolation:
            row = None  # agents_name_key: another owner's api agent holds the name
        if row is None:
            raise RegistryError(
                f"agent name {record.name!r} belongs to an agent created through the API; an agent file cannot "
                "take it over: rename the file's agent"
            )
        agent_id = str(row[0])
        _sync_secrets(conn, agent_id, record.user_id, record.secrets)
    return agent_id


def _sync_secrets(conn: Connection, agent_id: str, user_id: str, secrets: list[SecretLocation]) -> None:
    names = [s.env_name for s in secrets]
    conn.execute(
        "delete from public.agent_secrets where agent_id = %s and not (env_name = any(%s))", (agent_id, names)
    )
    for secret in secrets:
        conn.execute(
            "insert into public.agent_secrets (agent_id, user_id, env_name, source, location)"
            " values (%s, %s, %s, %s, %s)"
            " on conflict (agent_id, env_name) do update set source = excluded.source, location = excluded.location"
            " where (agent_secrets.source, agent_secrets.location)"
            " is distinct from (excluded.source, excluded.location)",
            (agent_id, user_id, secret.env_name, secret.source, secret.location),
        )


def delete_agent(conn: Connection, user_id: str, name: str) -> bool:
    """Remove the git agent (its secret rows, metrics and logs go with it by cascade). False if it was absent.
    An agent created through the API is never removed here: the deployer removes it, after its objects."""
    with conn.transaction():
        cur = conn.execute(
            "delete from public.agents where user_id = %s and name = %s and source = 'git'", (user_id, name)
        )
        return cur.rowcount > 0


def register(url: str, record: AgentRecord, *, create_owner: bool = False) -> str:
    (agent_id,) = register_all(url, [record], create_owner=create_owner)
    return agent_id


def unregister(url: str, user_id: str, name: str) -> bool:
    return unregister_all(url, [(user_id, name)]) == 1


def register_all(url: str, records: list[AgentRecord], *, create_owner: bool = False) -> list[str]:
    """Upsert agents over one connection (a stack's agents), one transaction each; their ids in order."""
    ids: list[str] = []
    if not records:
        return ids
    current = records[0]  # the agent an error is about
    try:
        with connect(url, application_name="launchpad-registry") as conn:
            for current in records:
                ids.append(upsert_agent(conn, current, create_owner=create_owner))
    except psycopg.Error as exc:
        reason = pg_errors.reason(exc, url)
        raise RegistryError(f"registering agent {current.name!r} (owner {current.user_id}): {reason}") from None
    except RegistryError as exc:
        raise RegistryError(f"registering agent {current.name!r} (owner {current.user_id}): {exc}") from None
    return ids


def unregister_all(url: str, keys: list[tuple[str, str]]) -> int:
    """Remove agents given as (user_id, name) over one connection; how many were there."""
    removed = 0
    if not keys:
        return removed
    user_id, name = keys[0]  # the agent an error is about
    try:
        with connect(url, application_name="launchpad-registry") as conn:
            for user_id, name in keys:
                removed += delete_agent(conn, user_id, name)
    except psycopg.Error as exc:
        raise RegistryError(f"removing agent {name!r} (owner {user_id}): {pg_errors.reason(exc, url)}") from None
    return removed
