"""The Supabase baseline creates what is missing and never replaces what a real Supabase already has."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from launchpad.db.migrations.runner import migrate

pytestmark = pytest.mark.postgres

FIXED = "11111111-1111-4111-8111-111111111111"


def test_existing_auth_objects_are_kept(database_url: str, migrations_dir: Path) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        # Roles are cluster-wide, so other tests' databases already exercise "role exists, skip it".
        conn.execute("create schema auth")
        conn.execute("create table auth.users (id uuid primary key, instance_id uuid, aud text)")
        conn.execute(f"create function auth.uid() returns uuid language sql stable as $$ select '{FIXED}'::uuid $$")
    migrate(database_url, migrations_dir)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select auth.uid()::text").fetchone() == (FIXED,)
        columns = {str(r[0]) for r in conn.execute(
            "select attname from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0"
        )}
        assert {"instance_id", "aud"} <= columns and "email" not in columns
        assert conn.execute(
            "select rolbypassrls from pg_roles where rolname = 'service_role'"
        ).fetchone() == (True,)
        published = {str(r[0]) for r in conn.execute(
            "select pr.prrelid::regclass::text from pg_publication_rel pr"
            " join pg_publication p on p.oid = pr.prpubid where p.pubname = 'supabase_realtime'"
        )}
        assert {"agents", "agent_secrets", "agent_metrics", "agent_logs", "system_alerts",
                "security_events", "operations", "operation_events", "agent_health", "agent_events"} == published
        # The helper that publishes them is not an RPC anyone can call.
        for role in ("anon", "authenticated"):
            assert conn.execute(
                "select has_function_privilege(%s, 'launchpad_private.publish_realtime(regclass[])', 'execute')",
                (role,),
            ).fetchone() == (False,)


def test_updated_at_is_maintained_by_trigger(database_url: str, migrations_dir: Path) -> None:
    migrate(database_url, migrations_dir)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s)", (FIXED,))
        conn.execute(
            "insert into public.agents (user_id, name, namespace, image, updated_at)"
            " values (%s, 'a', 'ns', 'img', now() - interval '1 day')",
            (FIXED,),
        )
        row = conn.execute(
            "update public.agents set replicas = 3 returning updated_at > now() - interval '1 minute'"
        ).fetchone()
        assert row == (True,)
