"""`db check` under the real engine: a database changed behind the migrations' back fails the preview with
one line per finding (object and fix, no URL, no traceback), and `up` that applies a migration leaving a
problem fails after applying it, with the same kind of lines."""

from __future__ import annotations

import psycopg
import pytest

from tests.e2e.workspace import DB_PASSWORD, Workspace


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Workspace:
    workspace.pulumi("up", "--stack", "dev", "--yes", "--skip-preview")
    return workspace


def _clean(output: str) -> None:
    assert "Traceback" not in output and DB_PASSWORD not in output and "postgresql://" not in output


def test_a_changed_database_fails_the_preview_naming_object_and_fix(ws: Workspace) -> None:
    with psycopg.connect(ws.database_url, autocommit=True) as conn:
        partition = conn.execute(
            "select 'public.' || inhrelid::regclass::text from pg_inherits"
            " where inhparent = 'public.agent_logs'::regclass order by 1 limit 1"
        ).fetchone()
        assert partition is not None
        conn.execute("drop policy agent_secrets_select_own on public.agent_secrets")
        conn.execute(f"grant select on {partition[0]} to authenticated")
    try:
        result = ws.pulumi("preview", "--stack", "dev", check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0
        prefix = "pulumi-python:dynamic/launchpad:Migrations resource 'control-plane-migrations' has a problem: "
        assert (
            prefix + "ERROR policy_as_declared: policy agent_secrets_select_own on public.agent_secrets: missing "
            "(declared in 20250601000100_agent_registry.sql); fix: CREATE POLICY agent_secrets_select_own ON "
            "public.agent_secrets AS PERMISSIVE FOR select TO authenticated USING ((SELECT auth.uid()) = user_id)"
        ) in output
        assert (
            prefix + f"ERROR api_role_privileges: {partition[0]} (partition of public.agent_logs): authenticated holds "
            f"SELECT: a partition is reached through its parent only; fix: revoke select on {partition[0]} from "
            "authenticated"
        ) in output
        _clean(output)
    finally:
        with psycopg.connect(ws.database_url, autocommit=True) as conn:
            conn.execute(
                "create policy agent_secrets_select_own on public.agent_secrets for select to authenticated"
                " using ((select auth.uid()) = user_id)"
            )
            conn.execute(f"revoke select on {partition[0]} from authenticated")
    ws.pulumi("preview", "--stack", "dev")  # restored: the preview passes again


def test_up_applies_then_fails_on_what_the_new_migration_left_open(ws: Workspace) -> None:
    (ws.project / "supabase" / "migrations" / "20990101000000_wide_open.sql").write_text(
        "create table public.wide_open (id int);\n"
    )
    result = ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "1 migration(s) applied, but the database check found 1 problem(s):" in output
    assert (
        "ERROR rls_disabled: public.wide_open: row-level security is disabled; fix: alter table public.wide_open "
        "enable row level security"
    ) in output
    _clean(output)
