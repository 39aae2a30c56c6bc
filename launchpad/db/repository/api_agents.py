"""The control-plane API's queries over the registry (services/api). Each runs on a connection the caller has
put in a transaction as the user (launchpad/db/repository/session.py): reads as `authenticated` under the
users' own policies, writes as `launchpad_api` under policies bound to auth.uid(). Nothing here checks who
may see a row: row-level security does, and a row it hides is simply not found.

Secret values arrive here sealed (launchpad/sealed.py) and are never read back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from launchpad.db.repository.operations import _OPERATION_COLUMNS, Operation
from launchpad.db.repository.record import STORED_LOCATION, AgentRecord

Connection = psycopg.Connection[Any]


@dataclass(frozen=True)
class AgentRow:
    id: str
    user_id: str
    name: str
    source: str
    source_file: str | None
    status: str
    paused: bool
    revision: int
    fleet: str | None
    stack: str | None
    spec: dict[str, Any] | None
    namespace: str
    tenant: str | None
    replicas: int
    character: dict[str, Any]
    plugins: list[str]
    platforms: dict[str, Any]
    resources: dict[str, Any]
    image: str
    created_at: datetime
    updated_at: datetime
    restarted_at: datetime | None
    secrets: list[str]


_COLUMNS = """
  a.id::text as id, a.user_id::text as user_id, a.name, a.source, a.source_file, a.status, a.paused, a.revision,
  a.fleet, a.stack, a.spec, a.namespace, a.tenant, a.replicas, a.character, a.plugins, a.platforms, a.resources,
  a.image, a.created_at, a.updated_at, a.restarted_at,
  array(select s.env_name from public.agent_secrets s where s.agent_id = a.id order by s.env_name) as secrets
"""


def get_agent(conn: Connection, name: str, *, lock: bool = False) -> AgentRow | None:
    """The agent named `name` if the caller may see it. `lock`: an API agent's row, locked for a change
    (a git agent's row is not the control plane's to lock: None)."""
    suffix = " for update of a" if lock else ""
    with conn.cursor(row_factory=class_row(AgentRow)) as cur:
        return cur.execute(f"select {_COLUMNS} from public.agents a where a.name = %s{suffix}", (name,)).fetchone()


@dataclass(frozen=True)
class AgentListing:
    name: str
    user_id: str
    source: str
    status: str
    paused: bool
    revision: int
    replicas: int
    platforms: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    tenant: str | None
    image: str
    health: str | None  # what the collector last observed (agent_health); None before it has
    replicas_ready: int | None


def list_agents(
    conn: Connection, *, status: str | None, owner: str | None, limit: int, offset: int
) -> tuple[list[AgentListing], int]:
    """One page of the agents the caller may see, by name, and how many there are in all."""
    rows = conn.execute(
        "select a.name, a.user_id::text, a.source, a.status, a.paused, a.revision, a.replicas, a.platforms,"
        " a.created_at, a.updated_at, a.tenant, a.image, h.health, h.replicas_ready, count(*) over ()"
        " from public.agents a left join public.agent_health h on h.agent_id = a.id"
        " where (%(status)s::text is null or a.status = %(status)s)"
        " and (%(owner)s::uuid is null or a.user_id = %(owner)s::uuid)"
        " order by a.name limit %(limit)s offset %(offset)s",
        {"status": status, "owner": owner, "limit": limit, "offset": offset},
    ).fetchall()
    if not rows and offset > 0:  # past the end: the total still counts
        total_row = conn.execute(
            "select count(*) from public.agents a where (%(status)s::text is null or a.status = %(status)s)"
            " and (%(owner)s::uuid is null or a.user_id = %(owner)s::uuid)",
            {"status": status, "owner": owner},
        ).fetchone()
        return [], int(total_row[0]) if total_row else 0
    total = int(rows[0][-1]) if rows else 0
    return [AgentListing(*row[:-1]) for row in rows], total


def name_holder(conn: Connection, name: str) -> tuple[str, str | None] | None:
    """(source, file) of whoever holds the name, any owner, never who; None when it is free."""
    row = conn.execute("select source, source_file from launchpad_private.agent_name_holder(%s)", (name,)).fetchone()
    return (str(row[0]), row[1]) if row else None


@dataclass(frozen=True)
class Usage:
    name: str
    paused: bool
    resources: dict[str, Any]  # the registry's: requests, limits, scaling


def usage(conn: Connection, user_id: str) -> list[Usage]:
    """The user's agents created through the API that count against their quota (not those being deleted)."""
    return [
        Usage(str(name), bool(paused), dict(resources))
        for name, paused, resources in conn.execute(
            "select a.name, a.paused, a.resources from public.agents a"
            " where a.user_id = %s and a.source = 'api' and a.status <> 'deleting'",
            (user_id,),
        )
    ]


def _columns(record: AgentRecord) -> dict[str, Any]:
    return {
        "tenant": record.tenant, "namespace": record.namespace, "replicas": record.replicas,
        "character": Jsonb(record.character), "plugins": list(record.plugins), "platforms": Jsonb(record.platforms),
        "resources": Jsonb(record.resources), "image": record.image,
    }


def insert_agent(
    conn: Connection, record: AgentRecord, spec: Mapping[str, Any], *, fleet: str, stack: str
) -> tuple[str, int]:
    """A new API agent, pending its first `up`: (id, revision)."""
    row = conn.execute(
        "insert into public.agents (user_id, name, tenant, namespace, status, replicas, character, plugins,"
        " platforms, resources, image, source, spec, revision, paused, fleet, stack)"
        " values (%(user_id)s, %(name)s, %(tenant)s, %(namespace)s, 'pending', %(replicas)s, %(character)s,"
        " %(plugins)s, %(platforms)s, %(resources)s, %(image)s, 'api', %(spec)s, 1, false, %(fleet)s, %(stack)s)"
        " returning id::text, revision",
        {**_columns(record), "user_id": record.user_id, "name": record.name, "spec": Jsonb(dict(spec)),
         "fleet": fleet, "stack": stack},
    ).fetchone()
    assert row is not None
    return str(row[0]), int(row[1])


def update_agent(
    conn: Connection,
    agent_id: str,
    record: AgentRecord,
    spec: Mapping[str, Any],
    *,
    paused: bool,
    stack: str,
    restart: bool = False,
) -> int:
    """The API agent's new desired state, pending its `up`: its new revision (the ETag)."""
    row = conn.execute(
        "update public.agents set tenant = %(tenant)s, namespace = %(namespace)s, replicas = %(replicas)s,"
        " character = %(character)s, plugins = %(plugins)s, platforms = %(platforms)s, resources = %(resources)s,"
        " image = %(image)s, spec = %(spec)s, paused = %(paused)s, stack = %(stack)s, status = 'pending',"
        " revision = revision + 1,"
        " restarted_at = case when %(restart)s then clock_timestamp() else restarted_at end"
        " where id = %(id)s and source = 'api' returning revision",
        {**_columns(record), "id": agent_id, "spec": Jsonb(dict(spec)), "paused": paused, "stack": stack,
         "restart": restart},
    ).fetchone()
    assert row is not None  # the caller locked the row
    return int(row[0])


def mark_deleting(conn: Connection, agent_id: str) -> int:
    """The agent leaves the fleet at the next `up` (the program skips it); the deployer then removes the row."""
    row = conn.execute(
        "update public.agents set status = 'deleting', revision = revision + 1 where id = %s and source = 'api'"
        " returning revision",
        (agent_id,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_secrets(
    conn: Connection,
    agent_id: str,
    user_id: str,
    sealed: Mapping[str, tuple[str, bytes]],
    removed: Sequence[str],
) -> None:
    """Replace the sealed values of `sealed` (env -> (key id, ciphertext)), remove those of `removed`, and
    keep the registry's list of names (agent_secrets) in step."""
    gone = sorted({*removed, *sealed})
    if gone:
        conn.execute("delete from public.agent_secret_values where agent_id = %s and env_name = any(%s)",
                      (agent_id, gone))
        conn.execute("delete from public.agent_secrets where agent_id = %s and env_name = any(%s)", (agent_id, gone))
    for env, (key_id, blob) in sorted(sealed.items()):
        conn.execute(
            "insert into public.agent_secret_values (agent_id, user_id, env_name, key_id, ciphertext)"
            " values (%s, %s, %s, %s, %s)",
            (agent_id, user_id, env, key_id, blob),
        )
        conn.execute(
            "insert into public.agent_secrets (agent_id, user_id, env_name, source, location)"
            " values (%s, %s, %s, 'api', %s)",
            (agent_id, user_id, env, STORED_LOCATION),
        )


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    status_code: int
    response: dict[str, Any]


def remembered(conn: Connection, user_id: str, key: str) -> Remembered | None:
    """The answer given to an earlier request with this Idempotency-Key (24 hours)."""
    row = conn.execute(
        "select fingerprint, status_code, response from public.api_idempotency_keys"
        " where user_id = %s and key = %s and created_at > now() - interval '24 hours'",
        (user_id, key),
    ).fetchone()
    return Remembered(str(row[0]), int(row[1]), dict(row[2])) if row else None


def remember(conn: Connection, user_id: str, key: str, fingerprint: str, status_code: int,
             response: Mapping[str, Any]) -> None:
    conn.execute("delete from public.api_idempotency_keys where user_id = %s and key = %s", (user_id, key))
    conn.execute(
        "insert into public.api_idempotency_keys (user_id, key, fingerprint, status_code, response)"
        " values (%s, %s, %s, %s, %s)",
        (user_id, key, fingerprint, status_code, Jsonb(dict(response))),
    )




def last_operation(conn: Connection, agent_name: str, *, dry_run: bool = False) -> Operation | None:
    """The agent's latest operation the caller may see (real changes only, unless `dry_run`)."""
    with conn.cursor(row_factory=class_row(Operation)) as cur:
        return cur.execute(
            f"select {_OPERATION_COLUMNS} from public.operations o where o.agent_name = %s and o.dry_run = %s"
            " order by o.created_at desc, o.id desc limit 1",
            (agent_name, dry_run),
        ).fetchone()
