"""Row-level security, exercised the way PostgREST does it: claims in a transaction-local setting, then
`set local role`. Every action targets a row owned by user A; expected outcomes are spelled out per role.

Every test runs twice (`migrated_url`): on plain PostgreSQL as its superuser, and on a hosted-Supabase-like
database as `postgres`, not a superuser, where default privileges give the API roles ALL on new tables."""

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


# Users read these through PostgREST; every change goes through the control plane (services/api), which
# validates it and deploys it (20261207300000_api_agents.sql says why, column by column).
CONTROL_PLANE_WRITES = ("agents", "agent_secrets")


@dataclass(frozen=True)
class TableCase:
    insert: str  # inserts one row owned by A
    update: str  # one column change on A's rows


CASES: dict[str, TableCase] = {
    "agents": TableCase(
        f"insert into public.agents (user_id, name, namespace, image) values ('{USER_A}', 'new-one', 'ns', 'img')",
        "update public.agents set status = 'paused'",
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
    if table in CONTROL_PLANE_WRITES:
        return op == "select"
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
    seen: dict[str, set[str] | str] = {}
    for role in ROLES:
        with conn.transaction(force_rollback=True):
            act_as(conn, role, style)
            try:
                seen[role] = {str(r[0]) for r in conn.execute(f"select user_id from public.{table}")}
            except psycopg.errors.InsufficientPrivilege:
                seen[role] = "refused"
    # anon has no policy, so since 20261124000000_explicit_privileges it has no privilege either: refused
    # outright where it used to read an empty table.
    assert seen == {"anon": "refused", "user_a": {USER_A}, "user_b": {USER_B}, "service_role": {USER_A, USER_B}}


def test_auth_uid_reads_both_claim_styles_and_prefers_the_older_one(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    with conn.transaction(force_rollback=True):
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": USER_A}),))
        assert conn.execute("select auth.uid()::text, auth.jwt() ->> 'sub'").fetchone() == (USER_A, USER_A)
        conn.execute("select set_config('request.jwt.claim.sub', %s, true)", (USER_B,))
        assert conn.execute("select auth.uid()::text").fetchone() == (USER_B,)


def _partitions(conn: psycopg.Connection[tuple[Any, ...]]) -> list[str]:
    rows = conn.execute(
        "select inhrelid::regclass::text from pg_inherits"
        " where inhparent in ('public.agent_metrics'::regclass, 'public.agent_logs'::regclass)"
    ).fetchall()
    return [str(r[0]) for r in rows]


@pytest.mark.parametrize("role", ["anon", "user_a", "user_b"])
def test_partitions_are_not_reachable_around_the_parents_policies(
    conn: psycopg.Connection[tuple[Any, ...]], role: str
) -> None:
    # A partition made after the migrations, as the daily job makes them (on Supabase: with default
    # privileges granting the API roles ALL at creation), must be as closed as the migrations' own.
    with conn.transaction():
        conn.execute("select public.create_time_partitions('public.agent_metrics', date '2031-01-01', 1)")
    partitions = _partitions(conn)
    assert "agent_metrics_p20310101" in partitions and len(partitions) >= 19
    statements = ["select count(*) from {}", "delete from {}", "update {} set user_id = user_id", "truncate {}"]
    for partition in partitions:
        for statement in statements:
            with conn.transaction(force_rollback=True):
                act_as(conn, role, "request.jwt.claims")
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    conn.execute(statement.format(partition).encode())


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("role", ["anon", "user_a", "user_b"])
def test_api_roles_cannot_truncate(conn: psycopg.Connection[tuple[Any, ...]], role: str, table: str) -> None:
    # TRUNCATE is not subject to row-level security: the privilege is the only guard.
    with conn.transaction(force_rollback=True):
        act_as(conn, role, "request.jwt.claims")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"permission denied for table {table}"):
            conn.execute(f"truncate public.{table} cascade".encode())


@pytest.mark.parametrize("op", ["update", "delete"])
@pytest.mark.parametrize("role", ["anon", "user_a", "user_b", "owner"])
def test_security_events_changes_are_refused_with_an_error(
    conn: psycopg.Connection[tuple[Any, ...]], role: str, op: str
) -> None:
    """Not "0 rows": an error, whether or not row-level security lets the statement see any row. The owner
    (the migrating role, which bypasses RLS) is refused too; only service_role may change the log."""
    statement = {
        "update": "update public.security_events set severity = 'critical'",
        "delete": "delete from public.security_events",
    }[op]
    for scope in ("", f" where user_id = '{USER_A}'", f" where user_id = '{USER_B}'", " where false"):
        with conn.transaction(force_rollback=True):
            if role != "owner":
                act_as(conn, role, "request.jwt.claims")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute((statement + scope).encode())


def test_service_role_may_change_security_events(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    with conn.transaction(force_rollback=True):
        act_as(conn, "service_role", "request.jwt.claims")
        assert conn.execute("update public.security_events set severity = 'critical'").rowcount == 2
        assert conn.execute("delete from public.security_events").rowcount == 2


# Every privilege anon and authenticated hold, directly or through PUBLIC, on the schemas the project and
# Supabase's API touch: schemas, relations (partitions and sequences included), columns, functions.
HELD = """
with api(role) as (values ('anon'), ('authenticated')),
schemas(name) as (values ('public'), ('auth'), ('launchpad_private'), ('supabase_migrations'))
select a.role, 'schema', n.nspname, p.privilege
from api a cross join pg_namespace n cross join unnest(array['USAGE', 'CREATE']) p(privilege)
where n.nspname in (select name from schemas) and has_schema_privilege(a.role, n.oid, p.privilege)
union all
select a.role, 'relation', c.oid::regclass::text, p.privilege
from api a cross join pg_class c
cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(privilege)
where c.relnamespace in (select oid from pg_namespace where nspname in (select name from schemas))
  and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and has_table_privilege(a.role, c.oid, p.privilege)
union all
select a.role, 'sequence', c.oid::regclass::text, p.privilege
from api a cross join pg_class c cross join unnest(array['USAGE', 'SELECT', 'UPDATE']) p(privilege)
where c.relnamespace in (select oid from pg_namespace where nspname in (select name from schemas))
  and c.relkind = 'S' and has_sequence_privilege(a.role, c.oid, p.privilege)
union all
select a.role, 'column', c.oid::regclass::text || '.' || att.attname, p.privilege
from api a cross join pg_class c
join pg_attribute att on att.attrelid = c.oid and att.attnum > 0 and not att.attisdropped
cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p(privilege)
where c.relnamespace in (select oid from pg_namespace where nspname in (select name from schemas))
  and att.attacl is not null and has_column_privilege(a.role, c.oid, att.attnum, p.privilege)
  and not has_table_privilege(a.role, c.oid, p.privilege)
union all
select a.role, 'function', f.oid::regprocedure::text, 'EXECUTE'
from api a cross join pg_proc f
where f.pronamespace in (select oid from pg_namespace where nspname in (select name from schemas))
  and has_function_privilege(a.role, f.oid, 'EXECUTE')
"""
CRUD = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Both kinds of database, after every migration: the API roles reach the schemas, auth's claim helpers and
# the tables through their policies; nothing else (no TRUNCATE, REFERENCES, TRIGGER, no partition, no
# function of ours: create_time_partitions and drop_time_partitions run as their owner).
API_PRIVILEGES = {
    *{(role, "schema", schema, "USAGE") for role in ("anon", "authenticated") for schema in ("public", "auth")},
    *{(role, "function", f, "EXECUTE") for role in ("anon", "authenticated") for f in ("auth.uid()", "auth.jwt()")},
    *{("authenticated", "relation", t, p) for t in TABLES if t not in ("security_events", *CONTROL_PLANE_WRITES)
      for p in CRUD},
    *{("authenticated", "relation", t, "SELECT") for t in CONTROL_PLANE_WRITES},
    ("authenticated", "relation", "security_events", "SELECT"),
    ("authenticated", "relation", "security_events", "INSERT"),
    # The operations queue: read-only for users (tests/db/test_operations_rls.py); deploy_runs not at all.
    *{("authenticated", "relation", t, "SELECT") for t in ("operations", "operation_events")},
    # What the collector observes (20261207400000_observed_health): owners read it, nobody writes it through
    # the API; the series' seq sequences advance through the defaults of rows a user may insert.
    ("authenticated", "relation", "agent_health", "SELECT"),
    ("authenticated", "relation", "agent_events", "SELECT"),
    *{("authenticated", "sequence", f"{t}_seq", p) for t in ("agent_logs", "agent_metrics", "system_alerts")
      for p in ("USAGE",)},
    # The dashboard's stream of agent changes (20261207550000_dashboard_live): owners read, triggers write.
    ("authenticated", "relation", "agent_changes", "SELECT"),
}


def test_the_api_roles_hold_exactly_these_privileges(
    conn: psycopg.Connection[tuple[Any, ...]], request: pytest.FixtureRequest
) -> None:
    held = {tuple(map(str, row)) for row in conn.execute(HELD)}
    expected = set(API_PRIVILEGES)
    if request.node.callspec.params["migrated_url"] == "supabase":  # supabase/auth also defines auth.role()
        expected |= {(role, "function", "auth.role()", "EXECUTE") for role in ("anon", "authenticated")}
    assert held == expected


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
