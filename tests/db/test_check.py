"""`db check` on a real database of each kind: clean after `migrate`, and one exact line per thing done to
the live database behind the migrations' back. The same findings fail `migrate`, the stack's preview (the
Migrations provider's check) and `up`."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from components.providers.migrations import _MigrationsProvider
from launchpad.db.check import check_database
from launchpad.db.check import cli as check_cli
from launchpad.db.errors import MigrationError
from launchpad.db.migrations import cli
from launchpad.db.migrations.runner import migrate
from launchpad.providers.migrations import local_checksums
from launchpad.providers.wire import secret

pytestmark = pytest.mark.postgres

REGISTRY = "20250601000100_agent_registry.sql"
DECLARED_SELECT = "CREATE POLICY agents_select_own ON public.agents AS PERMISSIVE FOR select TO authenticated USING ((SELECT auth.uid()) = user_id)"  # noqa: E501
DECLARED_SECRETS = "CREATE POLICY agent_secrets_select_own ON public.agent_secrets AS PERMISSIVE FOR select TO authenticated USING ((SELECT auth.uid()) = user_id)"  # noqa: E501


@pytest.fixture
def url(any_migrated_url: str) -> str:
    """A freshly migrated database of each kind, found clean by `db check` (the test may change it)."""
    return any_migrated_url


def _partition(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select 'public.' || inhrelid::regclass::text from pg_inherits"
            " where inhparent = 'public.agent_metrics'::regclass order by 1 limit 1"
        ).fetchone()
    assert row is not None
    return str(row[0])


# What someone does to the live database, and the exact line `db check` prints for it.
TAMPERING: dict[str, tuple[list[str], list[str]]] = {
    "dropped policy": (
        ["drop policy agent_secrets_select_own on public.agent_secrets"],
        [
            "ERROR policy_as_declared: policy agent_secrets_select_own on public.agent_secrets: missing (declared in "
            f"{REGISTRY}); fix: {DECLARED_SECRETS} (as {REGISTRY} declares it)"
        ],
    ),
    "RLS disabled": (
        ["alter table public.agent_logs disable row level security"],
        [
            "ERROR rls_disabled: public.agent_logs: row-level security is disabled; fix: alter table "
            "public.agent_logs enable row level security"
        ],
    ),
    "grant on a partition": (
        ["grant select, truncate on {partition} to anon"],
        [
            "ERROR api_role_privileges: {partition} (partition of public.agent_metrics): anon holds SELECT, "
            "TRUNCATE: a partition is reached through its parent only; fix: revoke select, truncate on "
            "{partition} from anon"
        ],
    ),
    "edited policy, auth.uid() unwrapped": (
        ["alter policy agents_select_own on public.agents using (auth.uid() = user_id)"],
        [
            "ERROR policy_as_declared: policy agents_select_own on public.agents: changed: using is (auth.uid() = "
            "user_id), declared (( SELECT auth.uid() AS uid) = user_id); fix: drop policy agents_select_own on "
            f"public.agents; {DECLARED_SELECT} (as {REGISTRY} declares it)",
            "WARN auth_rls_initplan: policy agents_select_own on public.agents: calls auth.uid() once per row; fix: "
            "write (select auth.uid()) instead, evaluated once per statement",
        ],
    ),
    "policy widened to anon": (
        ["alter policy agents_select_own on public.agents to anon, authenticated"],
        [
            "ERROR policy_as_declared: policy agents_select_own on public.agents: changed: to is anon, "
            "authenticated, declared authenticated; fix: drop policy agents_select_own on public.agents; "
            f"{DECLARED_SELECT} (as {REGISTRY} declares it)"
        ],
    ),
    "extra policy": (
        ["create policy everyone on public.agent_secrets for select to anon using (true)"],
        [
            "ERROR policy_as_declared: policy everyone on public.agent_secrets: not declared by any migration; "
            "fix: drop policy everyone on public.agent_secrets, or declare it in a new migration file"
        ],
    ),
    "column grant": (
        ["grant update (location) on public.agent_secrets to anon"],
        [
            "ERROR api_role_privileges: column location of public.agent_secrets: anon holds UPDATE: not declared by "
            "the migrations; fix: revoke update (location) on public.agent_secrets from anon"
        ],
    ),
    "grant to PUBLIC": (
        ["grant select on public.security_events to public"],
        [
            "ERROR api_role_privileges: public.security_events: public holds SELECT: not declared by the "
            "migrations; fix: revoke select on public.security_events from public"
        ],
    ),
    "function without search_path": (
        [
            "create function public.helper() returns int language sql as 'select 1'",
            "revoke execute on function public.helper() from public, anon, authenticated",
        ],
        [
            "WARN function_search_path_mutable: function public.helper(): its search_path is the caller's; fix: "
            "alter function public.helper() set search_path = ''"
        ],
    ),
    "EXECUTE on a security definer function": (
        ["grant execute on function public.drop_time_partitions(regclass, timestamptz) to anon"],
        [
            "ERROR api_role_execute: function public.drop_time_partitions(regclass,timestamp with time zone): anon "
            "holds EXECUTE: it runs with its owner's rights (security definer), is callable through the API and "
            "not declared by the migrations; fix: revoke execute on routine "
            "public.drop_time_partitions(regclass,timestamp with time zone) from anon"
        ],
    ),
    # PostgreSQL's own default: EXECUTE to PUBLIC on every new function (Supabase's default privileges add
    # anon and authenticated, revoked here so that both kinds of database print the same line).
    "new function left to PUBLIC": (
        [
            "create function public.stats() returns int language sql set search_path = '' as 'select 1'",
            "revoke execute on function public.stats() from anon, authenticated",
        ],
        [
            "ERROR api_role_execute: function public.stats(): public holds EXECUTE: it is callable through the API "
            "and not declared by the migrations; fix: revoke execute on routine public.stats() from public"
        ],
    ),
}


def _tamper(url: str, statements: list[str]) -> str:
    partition = _partition(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.format(partition=partition).encode())
    return partition


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    check_cli.register(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_clean_after_migrate_and_says_so(url: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["db", "check", "--database-url", url, "--migrations-dir", str(migrations_dir)]) == 0
    out = capsys.readouterr().out
    assert out.endswith(": clean (6 rules)\n") and "127.0.0.1:" in out


@pytest.mark.parametrize("case", list(TAMPERING))
def test_each_change_is_one_line_and_exit_1(
    url: str, migrations_dir: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statements, expected = TAMPERING[case]
    partition = _tamper(url, statements)
    assert _cli(["db", "check", "--database-url", url, "--migrations-dir", str(migrations_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [line.format(partition=partition) for line in expected]
    assert captured.err == f"db check: {len(expected)} problem(s) on 127.0.0.1:{url.split(':')[2]}\n"


def test_everything_at_once_migrate_and_preview_fail_too(
    url: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [c for c in TAMPERING if c != "policy widened to anon"]  # its policy is edited by another case
    partition = _tamper(url, [s for c in cases for s in TAMPERING[c][0]])
    expected = sorted(line.format(partition=partition) for c in cases for line in TAMPERING[c][1])
    # The same lines, rule by rule: db check, a second (no-op) migrate, the stack's preview.
    assert sorted(f.line() for f in check_database(url, migrations_dir)) == expected

    assert _cli(["migrate", "--database-url", url, "--migrations-dir", str(migrations_dir)]) == 1
    captured = capsys.readouterr()
    assert "0 applied" in captured.out and sorted(captured.out.splitlines()[1:]) == expected
    assert captured.err.startswith(f"migrate: the database check found {len(expected)} problem(s) on 127.0.0.1:")

    news = {"database_url": secret(url), "migrations_dir": str(migrations_dir),
            "checksums": local_checksums(str(migrations_dir))}
    checked = _MigrationsProvider().check({}, news)
    assert checked.inputs["pending"] == []
    assert sorted((f.property, f.reason) for f in checked.failures) == [("", line) for line in expected]
    assert url not in repr(checked.failures)


def test_a_policy_declared_unwrapped_in_a_file_is_reported_once(url: str, migrations_dir: Path) -> None:
    (migrations_dir / "20990101000000_bare.sql").write_text(
        "create policy agents_select_bare on public.agents for select to authenticated using (auth.uid() = user_id);\n"
    )
    assert [f.line() for f in migrate(url, migrations_dir).findings] == [
        "WARN auth_rls_initplan: policy agents_select_bare on public.agents: calls auth.uid() once per row; fix: "
        "write (select auth.uid()) instead, evaluated once per statement"
    ]


def test_with_migrations_pending_the_preview_leaves_the_check_to_up(url: str, migrations_dir: Path) -> None:
    """Pending files may be what fixes the findings (they were, for 20261124000000 on Supabase): the preview
    does not fail on them; `up` applies the files, checks, and fails if something is left."""
    _tamper(url, ["alter table public.agent_logs disable row level security"])
    (migrations_dir / "20990101000000_fix.sql").write_text("alter table public.agent_logs enable row level security;\n")
    news = {"database_url": secret(url), "migrations_dir": str(migrations_dir),
            "checksums": local_checksums(str(migrations_dir))}
    provider = _MigrationsProvider()
    checked = provider.check({}, news)
    assert checked.inputs["pending"] == ["20990101000000"] and checked.failures == []
    outs = provider.update("supabase-schema", {}, checked.inputs).outs
    assert outs is not None and outs["pending"] == []

    (migrations_dir / "20990102000000_open.sql").write_text("create table public.wide_open (id int);\n")
    news["checksums"] = local_checksums(str(migrations_dir))
    with pytest.raises(MigrationError) as failed:
        provider.update("supabase-schema", outs, provider.check(outs, news).inputs)
    first, *lines = str(failed.value).splitlines()
    assert first == f"1 migration(s) applied, but the database check found {len(lines)} problem(s):"
    assert lines[0] == (
        "ERROR rls_disabled: public.wide_open: row-level security is disabled; fix: alter table public.wide_open "
        "enable row level security"
    )
    # On Supabase, default privileges also opened the new table to the API roles: reported too.
    assert all(line.startswith("ERROR api_role_privileges: public.wide_open: ") for line in lines[1:])
    with psycopg.connect(url) as conn:  # applied all the same: the check runs on what the files made
        assert conn.execute("select to_regclass('public.wide_open') is not null").fetchone() == (True,)


@pytest.fixture
def catalog(url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def test_check_changes_nothing(url: str, migrations_dir: Path, catalog: psycopg.Connection[tuple[object, ...]]) -> None:
    snapshot = "select count(*), string_agg(relname, ',' order by relname) from pg_class where relpersistence = 't'"
    policies = "select string_agg(polname || pg_get_expr(polqual, polrelid), ',' order by polname) from pg_policy"
    before = (catalog.execute(snapshot).fetchone(), catalog.execute(policies).fetchone())
    check_database(url, migrations_dir)
    assert (catalog.execute(snapshot).fetchone(), catalog.execute(policies).fetchone()) == before


def test_a_migration_file_that_does_not_parse_is_one_line(
    database_url: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the files declare is read with PostgreSQL's parser: a broken file is named, not a traceback.
    (migrations_dir / "20990101000000_typo.sql").write_text("select 1;\ncreate tabel oops (id int);\n")
    assert _cli(["db", "check", "--database-url", database_url, "--migrations-dir", str(migrations_dir)]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "", 'db check: 20990101000000_typo.sql:2: statement 2: syntax error at or near "tabel"\n'
    )


def test_unreachable_database_is_one_line_without_the_password(
    migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://owner:Sup3r-s3cret-pw@127.0.0.1:1/postgres"
    assert _cli(["db", "check", "--database-url", url, "--migrations-dir", str(migrations_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("db check: cannot connect to 127.0.0.1:1/postgres")
    assert len(captured.err.splitlines()) == 1 and "Sup3r-s3cret-pw" not in captured.err + captured.out
