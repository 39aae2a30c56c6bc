"""Who reads and writes the operations queue, on both databases, acting as PostgREST does (claims in
`request.jwt.claims`, `set local role`): a user SELECTs their own operations and events and nothing else;
anon nothing; no API role writes any of it or reads deploy_runs. The control plane enqueues in the same
transaction as the user's own change (as the user for the agent row, then back to its own role)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from launchpad.db.repository import operations as ops

pytestmark = pytest.mark.postgres

USER_A = "00000000-0000-4000-8000-0000000000e1"
USER_B = "00000000-0000-4000-8000-0000000000e2"
Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture(scope="module")
def seeded(migrated_url: str) -> Iterator[tuple[Conn, dict[str, str]]]:
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (USER_A, USER_B))
        ids = {
            user: ops.enqueue(conn, user_id=user, agent_name="bot", stack="local", kind="create").id
            for user in (USER_A, USER_B)
        }
        claim = ops.claim_batch(conn, "w")
        assert claim is not None
        ops.record_events(conn, {op_id: [ops.Event("resource", f"event of {user}")] for user, op_id in ids.items()})
        yield conn, ids


def act_as(conn: Conn, role: str) -> None:
    sub = {"user_a": USER_A, "user_b": USER_B}.get(role)
    db_role = "authenticated" if sub else role
    claims = {"role": db_role} | ({"sub": sub} if sub else {})
    conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
    conn.execute(f"set local role {db_role}")


@pytest.mark.parametrize("role", ["user_a", "user_b"])
def test_a_user_reads_only_their_own_operations_and_events(seeded: tuple[Conn, dict[str, str]], role: str) -> None:
    conn, ids = seeded
    me, other = (USER_A, USER_B) if role == "user_a" else (USER_B, USER_A)
    with conn.transaction(force_rollback=True):
        act_as(conn, role)
        assert conn.execute("select user_id::text from public.operations").fetchall() == [(me,)]
        assert conn.execute("select message from public.operation_events").fetchall() == [(f"event of {me}",)]
        mine = ops.get_operation(conn, ids[me])
        assert mine is not None and mine.state == "running"
        # Another user's operation does not exist for them, and neither do its events.
        assert ops.get_operation(conn, ids[other]) is None
        assert ops.list_events(conn, ids[other]) == []


WRITES = [
    "insert into public.operations (user_id, agent_name, stack, kind) values ('{me}', 'x', 'local', 'create')",
    "update public.operations set state = 'succeeded'",
    "delete from public.operations",
    "insert into public.operation_events (operation_id, user_id, seq, kind) values ('{op}', '{me}', 99, 'x')",
    "update public.operation_events set message = 'forged'",
    "delete from public.operation_events",
    "truncate public.operations cascade",
    "truncate public.operation_events",
    "select * from public.deploy_runs",
    "update public.deploy_runs set state = 'failed'",
    "insert into public.deploy_runs (stack, action, worker, lease_expires_at) values ('s', 'up', 'w', now())",
]


@pytest.mark.parametrize("statement", WRITES)
@pytest.mark.parametrize("role", ["anon", "user_a"])
def test_the_api_roles_write_nothing_and_never_see_runs(
    seeded: tuple[Conn, dict[str, str]], role: str, statement: str
) -> None:
    conn, ids = seeded
    with conn.transaction(force_rollback=True):
        act_as(conn, role)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute(statement.format(me=USER_A, op=ids[USER_A]).encode())


def test_anon_reads_nothing(seeded: tuple[Conn, dict[str, str]]) -> None:
    conn, _ = seeded
    for table in ("operations", "operation_events"):
        with conn.transaction(force_rollback=True):
            act_as(conn, "anon")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select 1 from public.{table}".encode())


def test_service_role_runs_the_queue(seeded: tuple[Conn, dict[str, str]]) -> None:
    conn, _ = seeded
    with conn.transaction(force_rollback=True):
        act_as(conn, "service_role")
        queued = ops.enqueue(conn, user_id=USER_B, agent_name="other", stack="s2", kind="pause")
        claim = ops.claim_batch(conn, "service-worker", stacks=["s2"])
        assert claim is not None and [o.id for o in claim.operations] == [queued.id]
        assert ops.finish(conn, claim.run_id, state="succeeded", outcomes={queued.id: ops.Outcome("succeeded")})


def test_the_users_change_and_its_operation_commit_together(seeded: tuple[Conn, dict[str, str]]) -> None:
    """As the API does it (services/api, supabase/migrations/20261207300000_api_agents.sql): the agent row and
    its operation in one transaction, as the control plane's role `launchpad_api` with the user's verified
    claims, under policies bound to auth.uid(): never for another user."""
    seeded_conn, _ = seeded
    url = seeded_conn.info.dsn.replace(f"user={seeded_conn.info.user}", "user=launchpad_api")
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction(force_rollback=True):
        claims = json.dumps({"sub": USER_A, "role": "authenticated"})
        conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        conn.execute(
            "insert into public.agents (user_id, name, namespace, image, source, spec, fleet, stack)"
            " values (%s, 'api-bot', 'agent-api-bot', 'img', 'api', '{}', 'local', 'local')",
            (USER_A,),
        )
        queued = ops.enqueue(conn, user_id=USER_A, agent_name="api-bot", stack="local", kind="create")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            ops.enqueue(conn, user_id=USER_B, agent_name="api-bot", stack="local", kind="create")
        act_as(conn, "user_a")
        assert ops.get_operation(conn, queued.id) is not None
        assert conn.execute("select count(*) from public.agents where name = 'api-bot'").fetchone() == (1,)
