"""The hosted-Supabase-like database is what tests/db/hosted_supabase.py says it is, and the migrations run
there as `postgres` without touching anything Supabase owns."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from launchpad.db.migrations.runner import migrate

pytestmark = pytest.mark.postgres

# Everything in schema auth, with owner, privileges and definition: what Supabase owns.
AUTH_OBJECTS = """
select 'schema', n.nspname, n.nspowner::regrole::text, coalesce(n.nspacl::text, ''), ''
from pg_namespace n where n.nspname = 'auth'
union all
select 'relation', c.relname, c.relowner::regrole::text, coalesce(c.relacl::text, ''), ''
from pg_class c where c.relnamespace = 'auth'::regnamespace
union all
select 'function', p.oid::regprocedure::text, p.proowner::regrole::text, coalesce(p.proacl::text, ''), p.prosrc
from pg_proc p where p.pronamespace = 'auth'::regnamespace
order by 1, 2
"""


def test_it_is_shaped_like_a_hosted_project(hosted_url: str) -> None:
    with psycopg.connect(hosted_url) as conn:
        assert conn.execute("select current_user, usesuper from pg_user where usename = current_user").fetchone() == (
            "postgres",
            False,
        )
        roles = {
            str(r[0]): r[1:]
            for r in conn.execute(
                "select rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls from pg_roles"
                " where rolname in ('supabase_admin', 'postgres', 'anon', 'authenticated', 'service_role',"
                " 'authenticator', 'supabase_auth_admin')"
            )
        }
        assert roles == {
            "supabase_admin": (True, True, True, True),
            "postgres": (False, True, True, True),
            "anon": (False, True, False, False),
            "authenticated": (False, True, False, False),
            "service_role": (False, True, False, True),
            "authenticator": (False, False, True, False),
            "supabase_auth_admin": (False, False, True, False),
        }
        member_of = "select pg_has_role(%s, %s, 'member')"
        for api_role in ("anon", "authenticated", "service_role"):
            assert conn.execute(member_of, ("authenticator", api_role)).fetchone() == (True,)
            assert conn.execute(member_of, ("postgres", api_role)).fetchone() == (True,)
        assert conn.execute(member_of, ("postgres", "supabase_auth_admin")).fetchone() == (False,)
        owners = conn.execute(
            "select (select nspowner::regrole::text from pg_namespace where nspname = 'auth'),"
            " (select relowner::regrole::text from pg_class where oid = 'auth.users'::regclass),"
            " (select string_agg(distinct proowner::regrole::text, ',') from pg_proc"
            "   where oid in ('auth.uid()'::regprocedure, 'auth.jwt()'::regprocedure, 'auth.role()'::regprocedure))"
        ).fetchone()
        # The schema is supabase_admin's (auth-schema.sql: AUTHORIZATION supabase_admin), what is in it GoTrue's.
        assert owners == ("supabase_admin", "supabase_auth_admin", "supabase_auth_admin")
        privileges = "select has_schema_privilege('auth', 'create'), has_schema_privilege('auth', 'usage')"
        assert conn.execute(privileges).fetchone() == (False, True)
        # Default privileges: a table postgres creates in public is open to the API roles.
        conn.execute("create table public.probe (id int)")
        acl = conn.execute("select relacl::text from pg_class where oid = 'public.probe'::regclass").fetchone()
        assert acl is not None and "anon=arwdDxtm/postgres" in str(acl[0])
        conn.rollback()


def test_the_released_baseline_statement_fails_there(hosted_url: str) -> None:
    # What issue 10 saw: the privilege is checked before existence.
    with (
        psycopg.connect(hosted_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for schema auth"),
    ):
        conn.execute("create table if not exists auth.users (id uuid primary key)")


def test_migrate_as_postgres_applies_everything_then_nothing_and_leaves_auth_alone(
    hosted_url: str, migrations_dir: Path
) -> None:
    with psycopg.connect(hosted_url) as conn:
        before = conn.execute(AUTH_OBJECTS).fetchall()
    first = migrate(hosted_url, migrations_dir)
    assert first.applied_now == [f.version for f in first.pending] and len(first.applied_now) >= 7
    second = migrate(hosted_url, migrations_dir)
    assert second.applied_now == [] and second.applied_versions == first.applied_versions
    with psycopg.connect(hosted_url) as conn:
        assert conn.execute(AUTH_OBJECTS).fetchall() == before
