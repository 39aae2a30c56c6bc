"""What `db check` reads from the migration files (no database): statements in order, as PostgreSQL would
leave their objects."""

from __future__ import annotations

from pathlib import Path

from pglast.stream import RawStream

from launchpad.db.check.declared import Declared, declared
from launchpad.db.migrations.files import discover
from tests.db.conftest import MIGRATIONS


def _declared(tmp_path: Path, *files: str) -> Declared:
    for i, sql in enumerate(files):
        (tmp_path / f"2025010100000{i}_f{i}.sql").write_text(sql)
    return declared(discover(tmp_path))


def test_the_projects_migrations() -> None:
    state = declared(discover(MIGRATIONS))
    assert state.schemas == {"public", "launchpad_private"}  # auth is made in a DO block: Supabase's, unchecked
    # 22 of the registry and telemetry, 2 of the operations queue; less the 6 write policies of agents and
    # agent_secrets, plus the admins' 4 and the control plane's 11 (20261207300000_api_agents.sql,
    # 20261207300100_api_operations.sql); the collector's 9: owners read health and events, its own
    # role writes (20261207400000_observed_health.sql); the dashboard's 1: owners read their agents' changes
    # (20261207550000_dashboard_live.sql); the git fleet's files, read by the control plane's own role (2,
    # 20261208100000_fleet_sources.sql).
    assert len(state.policies) == 45
    crud = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    for table in ("agent_metrics", "agent_logs", "system_alerts"):
        assert state.granted(("public", table), "authenticated") == crud
        assert state.granted(("public", table), "anon") == set()
    for table in ("agents", "agent_secrets"):  # every change goes through the control plane
        assert state.granted(("public", table), "authenticated") == {"SELECT"}
        assert state.granted(("public", table), "anon") == set()
    for table in ("agent_secret_values", "api_idempotency_keys"):  # the control plane's own
        assert state.granted(("public", table), "authenticated") == set()
    assert state.granted(("public", "security_events"), "authenticated") == {"SELECT", "INSERT"}
    for table in ("operations", "operation_events"):
        assert state.granted(("public", table), "authenticated") == {"SELECT"}
    assert state.granted(("public", "deploy_runs"), "authenticated") == set()
    for table in ("fleet_source_sets", "fleet_source_files"):  # the git fleet's files: the program's and workers'
        assert state.granted(("public", table), "authenticated") == state.granted(("public", table), "anon") == set()
    assert state.granted(("public", "agent_changes"), "authenticated") == {"SELECT"}
    assert state.granted(("public", "agent_changes"), "anon") == set()
    policy = state.policies[("public", "agents", "agents_select_own")]
    assert policy.file == "20250601000100_agent_registry.sql"
    assert RawStream()(policy.statement).endswith("TO authenticated USING ((SELECT auth.uid()) = user_id)")


def test_grants_and_revokes_in_order_columns_included(tmp_path: Path) -> None:
    state = _declared(tmp_path, """
        create table t (a int, b int);
        grant all on t to anon;
        revoke truncate, references on table t from anon;
        grant update (a) on t to authenticated;
        grant select on all tables in schema public to public;
        create table later (x int);
    """, "revoke update on t from authenticated; grant insert on t, later to service_role;")
    assert state.granted(("public", "t"), "anon") == {"SELECT", "INSERT", "UPDATE", "DELETE", "TRIGGER",
                                                      "MAINTAIN", "USAGE"}
    assert state.granted(("public", "t", "a"), "authenticated") == set()  # the table-level revoke took it
    assert state.granted(("public", "t"), "public") == {"SELECT"}
    assert state.granted(("public", "later"), "public") == set()  # created after the ALL TABLES grant
    assert "service_role" not in state.privileges[("public", "later")]  # not a checked grantee


def test_policies_altered_renamed_dropped_and_tables_renamed(tmp_path: Path) -> None:
    state = _declared(tmp_path, """
        create schema app;
        create table app.t (user_id uuid);
        create policy p on app.t for select to authenticated using (true);
        create policy q on app.t for delete using (false);
        alter policy p on app.t to anon using (user_id is not null);
        alter policy q on app.t rename to r;
        do $$ begin create policy hidden on app.t using (true); end $$;
    """, "alter table app.t rename to u; drop policy r on app.u; create table app.gone (); drop table app.gone;")
    assert state.schemas == {"public", "app"}
    assert state.relations == {("app", "u")}
    assert list(state.policies) == [("app", "u", "p")]
    policy = state.policies[("app", "u", "p")]
    assert RawStream()(policy.statement) == (
        "CREATE POLICY p ON app.u AS PERMISSIVE FOR select TO anon USING (user_id IS NOT NULL)"
    )
    assert policy.file == "20250101000000_f0.sql"



def test_routine_execute_grants_in_order_all_in_schema_and_drops(tmp_path: Path) -> None:
    state = _declared(tmp_path, """
        create schema app;
        create function app.f(a integer, out b text) returns text language sql as 'select 1::text';
        create procedure app.p(x int) language sql as 'select 1';
        create function app.g(variadic t text[]) returns int language sql as 'select 1';
        grant execute on all functions in schema app to anon;
        grant execute on function app.f(int) to authenticated, service_role;
        revoke execute on function app.g(text[]) from anon;
        grant all on procedure app.p(integer) to public;
        do $$ begin grant execute on function app.g(text[]) to anon; end $$;
    """, "drop function app.f(integer); create function app.f(a integer) returns int language sql as 'select 1';")
    assert state.routines == {"app.f(integer)": "function", "app.p(integer)": "procedure", "app.g(text[])": "function"}
    # f was dropped and created again: its grants went with it; ALL FUNCTIONS does not reach a procedure.
    assert dict(state.executes) == {"app.g(text[])": set(), "app.p(integer)": {"public"}}
