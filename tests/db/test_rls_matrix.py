"""Row-level security, exercised the way PostgREST does it: claims in a transaction-local setting, then
`set local role`. Every action targets a row owned by user A; expected outcomes are spelled out per role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

pytestmark = pytest.mark.postgres

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"
AGENT_A = "00000000-0000-4000-8000-0000000000a1"
AGENT_B = "00000000-0000-4000-8000-0000000000b1"

TABLES = ["agents", "agent_secrets", "agent_metrics", "agent_logs", "system_alerts", "security_events"]
OPS = ["select", "insert", "update", "delete"]
ROLES = ["anon", "user_a", "user_b", "service_role"]
CLAIM_STYLES = ["request.jwt.claims", "request.jwt.claim.sub"]


@dataclass(frozen=True)
class TableCase:
    insert: str  # inserts one row owned by A
    update: str  # one column change on A's rows


CASES: dict[str, TableCase] = {
    "agents": TableCase(
        f"insert into public.agents (user_id, name, namespace, image) values ('{USER_A}', 'new-one', 'ns', 'img')",
        "update public.agents set status = 'stopped'",
    ),
    "agent_secrets": TableCase(
        "insert into public.agent_secrets (agent_id, user_id, env_name, source, location)"
        f" values ('{AGENT_A}', '{USER_A}', 'NEW_KEY', 'pulumi-config', 'newKey')",
        "update public.agent_secrets set location = 'moved'",
    ),
    "agent_metrics": TableCase(
        f"insert into public.agent_metrics (agent_id, user_id, name, value) values ('{AGENT_A}', '{USER_A}', 'cpu', 2)",
        "update public.agent_metrics set value = 3",
    ),
    "agent_logs": TableCase(
        "insert into public.agent_logs (agent_id, user_id, level, message)"
        f" values ('{AGENT_A}', '{USER_A}', 'info', 'x')",
        "update public.agent_logs set message = 'edited'",
    ),
    "system_alerts": TableCase(
        "insert into public.system_alerts (user_id, agent_id, severity, title)"
        f" values ('{USER_A}', '{AGENT_A}', 'info', 'new')",
        "update public.system_alerts set status = 'resolved'",
    ),
    "security_events": TableCase(
        f"insert into public.security_events (user_id, event_type) values ('{USER_A}', 'login')",
        "update public.security_events set severity = 'critical'",
    ),
}


def expected(role: str, table: str, op: str) -> bool:
    """May `role` perform `op` on user A's rows of `table`?"""
    if role == "service_role":
        return True  # bypasses RLS; the audit log's guard lets it through too
    if role != "user_a":
        return False  # anon sees nothing; user B never touches A's rows
    return not (table == "security_events" and op in ("update", "delete"))  # append-only for users


SEED = f"""
insert into auth.users (id, email) values ('{USER_A}', 'a@example.test'), ('{USER_B}', 'b@example.test');
insert into public.agents (id, user_id, name, namespace, image) values
  ('{AGENT_A}', '{USER_A}', 'alpha', 'agent-alpha', 'img'), ('{AGENT_B}', '{USER_B}', 'beta', 'agent-beta', 'img');
insert into public.agent_secrets (agent_id, user_id, env_name, source, location) values
  ('{AGENT_A}', '{USER_A}', 'OPENAI_API_KEY', 'pulumi-config', 'openaiKey'),
  ('{AGENT_B}', '{USER_B}', 'OPENAI_API_KEY', 'kubernetes-secret', 'llm/openai');
insert into public.agent_metrics (agent_id, user_id, name, value) values
  ('{AGENT_A}', '{USER_A}', 'cpu', 1), ('{AGENT_B}', '{USER_B}', 'cpu', 1);
insert into public.agent_logs (agent_id, user_id, level, message) values
  ('{AGENT_A}', '{USER_A}', 'info', 'a'), ('{AGENT_B}', '{USER_B}', 'info', 'b');
insert into public.system_alerts (user_id, agent_id, severity, title) values
  ('{USER_A}', '{AGENT_A}', 'warning', 'a'), ('{USER_B}', '{AGENT_B}', 'warning', 'b');
insert into public.security_events (user_id, event_type) values ('{USER_A}', 'login'), ('{USER_B}', 'login');
"""


@pytest.fixture(scope="module")
def conn(migrated_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    with psycopg.connect(migrated_url, autocommit=True) as connection:
        with connection.transaction():
            for statement in SEED.strip().split(";\n"):
                connection.execute(statement.encode())
        yield connection


def act_as(conn: psycopg.Connection[tuple[Any, ...]], role: str, style: str) -> None:
    """What PostgREST does at the start of each request's transaction."""
    sub = {"user_a": USER_A, "user_b": USER_B}.get(role)
    db_role = "authenticated" if sub else role
    if style == "request.jwt.claims":
        claims: dict[str, str] = {"role": db_role} | ({"sub": sub} if sub else {})
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
    else:  # PostgREST < 9 set one setting per claim
        conn.execute("select set_config('request.jwt.claim.role', %s, true)", (db_role,))
        if sub:
            conn.execute("select set_config('request.jwt.claim.sub', %s, true)", (sub,))
    conn.execute(f"set local role {db_role}")


def attempt(conn: psycopg.Connection[tuple[Any, ...]], table: str, op: str) -> bool:
    """True if the action took effect on user A's rows; a refusal is an error or zero rows."""
    owned_by_a = f" where user_id = '{USER_A}'"
    actions: dict[str, Callable[[], int]] = {
        "select": lambda: len(conn.execute(f"select 1 from public.{table}{owned_by_a}").fetchall()),
        "insert": lambda: conn.execute(CASES[table].insert.encode()).rowcount,
        "update": lambda: conn.execute((CASES[table].update + owned_by_a).encode()).rowcount,
        "delete": lambda: conn.execute(f"delete from public.{table}{owned_by_a}".encode()).rowcount,
    }
    try:
        return actions[op]() > 0
    except psycopg.errors.InsufficientPrivilege:  # "permission denied", RLS "violates ... policy", the guard
        return False


@pytest.mark.parametrize("style", CLAIM_STYLES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("role", ROLES)
def test_rls_matrix(conn: psycopg.Connection[tuple[Any, ...]], role: str, table: str, op: str, style: str) -> None:
    with conn.transaction(force_rollback=True):
        act_as(conn, role, style)
        assert attempt(conn, table, op) is expected(role, table, op)


@pytest.mark.parametrize("style", CLAIM_STYLES)
@pytest.mark.parametrize("table", TABLES)
def test_each_user_sees_exactly_their_own_rows(
    conn: psycopg.Connection[tuple[Any, ...]], table: str, style: str
) -> None:
    seen: dict[str, set[str]] = {}
    for role in ROLES:
        with conn.transaction(force_rollback=True):
            act_as(conn, role, style)
            seen[role] = {str(r[0]) for r in conn.execute(f"select user_id from public.{table}")}
    assert seen == {"anon": set(), "user_a": {USER_A}, "user_b": {USER_B}, "service_role": {USER_A, USER_B}}


def test_auth_uid_reads_both_claim_styles_and_prefers_the_older_one(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    with conn.transaction(force_rollback=True):
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": USER_A}),))
        assert conn.execute("select auth.uid()::text, auth.jwt() ->> 'sub'").fetchone() == (USER_A, USER_A)
        conn.execute("select set_config('request.jwt.claim.sub', %s, true)", (USER_B,))
        assert conn.execute("select auth.uid()::text").fetchone() == (USER_B,)


def test_partitions_are_not_reachable_around_the_parents_policies(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    partition = conn.execute(
        "select inhrelid::regclass::text from pg_inherits where inhparent = 'public.agent_metrics'::regclass limit 1"
    ).fetchone()
    assert partition is not None
    with conn.transaction(force_rollback=True):
        act_as(conn, "user_b", "request.jwt.claims")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select * from {partition[0]}")


def test_every_user_table_has_rls_and_a_leading_user_id_index(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    for table in TABLES:
        row = conn.execute(
            "select c.relrowsecurity,"
            " exists (select 1 from pg_index i where i.indrelid = c.oid and i.indkey[0] ="
            "   (select attnum from pg_attribute where attrelid = c.oid and attname = 'user_id'))"
            " from pg_class c where c.oid = %s::regclass",
            (f"public.{table}",),
        ).fetchone()
        assert row == (True, True), table
