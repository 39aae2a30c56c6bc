"""`python -m launchpad migrate`: exit codes, dry run output, and no password in any output."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import psycopg
import pytest

from launchpad.db.migrations import cli
from launchpad.db.migrations.files import discover
from tests.db.conftest import Cluster

PASSWORD = "Sup3r-s3cret-pw"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


@pytest.mark.postgres
def test_out_of_order_file_exits_1_then_include_all_applies_it(
    database_url: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["migrate", "--database-url", database_url, "--migrations-dir", str(migrations_dir)]
    assert _run(base) == 0
    (migrations_dir / "20240101000000_from_a_branch.sql").write_text("select 1;\n")
    capsys.readouterr()
    assert _run(base) == 1
    err = capsys.readouterr().err
    assert err.startswith("migrate: pending migration(s) sort before the latest applied version")
    assert "20240101000000_from_a_branch.sql" in err
    assert _run([*base, "--include-all"]) == 0
    assert "applied 20240101000000_from_a_branch.sql" in capsys.readouterr().out


@pytest.mark.postgres
def test_dry_run_then_migrate_then_up_to_date(
    database_url: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = len(discover(migrations_dir))
    assert _run(["migrate", "--database-url", database_url, "--migrations-dir", str(migrations_dir), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{n} pending migration(s) on 127.0.0.1:") and "(dry run, nothing changed)" in out
    assert "20250601000000_supabase_baseline.sql" in out
    assert _run(["migrate", "--database-url", database_url, "--migrations-dir", str(migrations_dir)]) == 0
    assert f"{n} applied, {n} in history, up to date" in capsys.readouterr().out
    assert _run(["migrate", "--database-url", database_url, "--migrations-dir", str(migrations_dir)]) == 0
    assert f"0 applied, {n} in history" in capsys.readouterr().out


def test_unreachable_database_exits_1_without_the_password(
    migrations_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://owner:{PASSWORD}@127.0.0.1:1/postgres")
    assert _run(["migrate", "--migrations-dir", str(migrations_dir)]) == 1
    captured = capsys.readouterr()
    assert "migrate: cannot connect to 127.0.0.1:1/postgres" in captured.err
    assert PASSWORD not in captured.err + captured.out


def test_missing_url_exits_1(
    migrations_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _run(["migrate", "--migrations-dir", str(migrations_dir)]) == 1
    assert "no database URL" in capsys.readouterr().err


def test_redact_removes_passwords_in_urls_and_conninfo() -> None:
    from launchpad.db.redact import redact

    text = f"failed: postgresql://u:{PASSWORD}@h/db and password={PASSWORD} and raw {PASSWORD}"
    cleaned = redact(text, f"postgresql://u:{PASSWORD}@h/db")
    # The URL itself becomes its description; any other credentials are starred.
    assert PASSWORD not in cleaned and cleaned.startswith("failed: h/db and password=***")
    assert redact(f"see postgresql://u:{PASSWORD}@other/db") == "see postgresql://***@other/db"


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.postgres
def test_no_create_on_the_database_is_one_line(
    database_url: str, plain_server: Cluster, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    role = f"no_create_{uuid.uuid4().hex[:8]}"
    database = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"create role {role} login")  # not the owner: no CREATE on the database
    try:
        url = plain_server.server.url_for(role, database)
        assert _run(["migrate", "--database-url", url, "--migrations-dir", str(migrations_dir)]) == 1
        assert _one_line_error(capsys) == (
            f"migrate: creating schema supabase_migrations failed: permission denied for database {database} "
            "[SQLSTATE 42501]; the migrating role needs CREATE on the database (or schema supabase_migrations "
            "made by a role that has it, with CREATE granted on the schema); nothing was applied"
        )
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"drop role {role}")


def _history_table_by_admin(supabase_server: Cluster, hosted_url: str, columns: str) -> None:
    """The history table made by supabase_admin (as the Supabase CLI would, connected as it); postgres may
    read and write it but does not own it."""
    admin_url = supabase_server.server.url_for("supabase_admin", hosted_url.rsplit("/", 1)[1])
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("create schema supabase_migrations")
        conn.execute(f"create table supabase_migrations.schema_migrations (version text not null primary key{columns})")
        conn.execute("grant usage on schema supabase_migrations to postgres")
        conn.execute("grant select, insert on supabase_migrations.schema_migrations to postgres")


@pytest.mark.postgres
def test_history_table_owned_by_another_role_is_one_line(
    hosted_url: str, supabase_server: Cluster, migrations_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _history_table_by_admin(supabase_server, hosted_url, ", statements text[], name text")  # the CLI's shape
    assert _run(["migrate", "--database-url", hosted_url, "--migrations-dir", str(migrations_dir)]) == 1
    assert _one_line_error(capsys) == (
        "migrate: adding column checksum to supabase_migrations.schema_migrations failed: must be owner of table "
        "schema_migrations [SQLSTATE 42501]; the table belongs to supabase_admin: run migrate as supabase_admin, "
        "or have it add the missing columns (statements text[], name text, checksum text); nothing was applied"
    )
    with psycopg.connect(hosted_url) as conn:
        assert conn.execute("select to_regclass('public.agents')").fetchone() == (None,)


@pytest.mark.postgres
def test_complete_history_table_of_another_role_needs_no_ownership(
    hosted_url: str, supabase_server: Cluster, migrations_dir: Path
) -> None:
    _history_table_by_admin(supabase_server, hosted_url, ", statements text[], name text, checksum text")
    assert _run(["migrate", "--database-url", hosted_url, "--migrations-dir", str(migrations_dir)]) == 0


def _conninfo(url: str) -> str:
    """The same database as a libpq key=value string, with a password (trust auth ignores it)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    return make_conninfo(**{**conninfo_to_dict(url), "password": PASSWORD})


@pytest.mark.postgres
@pytest.mark.parametrize("via", ["flag", "env"])
def test_a_conninfo_url_never_prints_its_password(
    database_url: str, migrations_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    via: str,
) -> None:  # fmt: skip
    """Issue 18: `host=... password=...` (the other form libpq reads) was echoed whole by migrate and db check;
    only the URL form was redacted."""
    from launchpad.db.check.cli import register as register_check

    url = _conninfo(database_url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    flag = ["--database-url", url] if via == "flag" else []
    if via == "env":
        monkeypatch.setenv("DATABASE_URL", url)
    assert _run(["migrate", *flag, "--migrations-dir", str(migrations_dir)]) == 0
    parser = argparse.ArgumentParser()
    register_check(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["db", "check", *flag, "--migrations-dir", str(migrations_dir)])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err
    assert f"127.0.0.1:{url.split('port=')[1].split()[0]}/{database_url.rsplit('/', 1)[1]}: " in captured.out


def test_an_unreadable_url_is_never_printed() -> None:
    from launchpad.db.redact import describe, redact

    broken = f"host=h password={PASSWORD} nonsense"
    assert describe(broken) == "the database (its URL could not be read)"
    assert PASSWORD not in redact(f"cannot connect to {broken}", broken)
