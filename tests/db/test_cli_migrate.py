"""`python -m launchpad migrate`: exit codes, dry run output, and no password in any output."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from launchpad.db import cli
from launchpad.db.files import discover

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
    assert PASSWORD not in cleaned and "postgresql://***@h/db" in cleaned
