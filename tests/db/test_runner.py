"""The migration runner on a real PostgreSQL: history, atomic files, lock, drift, dry run."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from launchpad.db.errors import MigrationDrift, MigrationFailed, MigrationOutOfOrder
from launchpad.db.migrations.files import discover
from launchpad.db.migrations.runner import Result, migrate
from launchpad.db.migrations.statements import split

pytestmark = pytest.mark.postgres


def _history(url: str) -> list[tuple[str, str, int, str | None]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select version, name, cardinality(statements), checksum"
            " from supabase_migrations.schema_migrations order by version"
        ).fetchall()
    return [(str(v), str(n), int(c), c2) for v, n, c, c2 in rows]


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select schemaname || '.' || tablename from pg_tables"
            " where schemaname not in ('pg_catalog', 'information_schema')"
        ).fetchall()
    return {str(r[0]) for r in rows}


def test_applies_every_file_once_and_records_it_like_the_supabase_cli(database_url: str, migrations_dir: Path) -> None:
    files = discover(migrations_dir)
    result = migrate(database_url, migrations_dir)
    assert result.applied_now == [f.version for f in files]
    history = _history(database_url)
    assert [(v, n, c) for v, n, _, c in history] == [(f.version, f.name, f.checksum) for f in files]
    assert all(count > 0 for _, _, count, _ in history)
    assert {
        "public.agents",
        "public.agent_secrets",
        "public.agent_metrics",
        "public.agent_logs",
        "public.system_alerts",
        "public.security_events",
    } <= _tables(database_url)
    again = migrate(database_url, migrations_dir)
    assert again.applied_now == [] and again.applied_versions == [f.version for f in files]


def test_two_runners_at_once_apply_each_migration_exactly_once(database_url: str, migrations_dir: Path) -> None:
    # The extra file counts its own executions: applied twice, it would leave two rows.
    (migrations_dir / "20991231000000_counter.sql").write_text(
        "create table public.applied_counter (n int);\ninsert into public.applied_counter values (1);\n"
    )
    start = threading.Barrier(2)
    results: list[Result] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(migrate(database_url, migrations_dir))
        except BaseException as exc:  # surfaced below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    applied = sorted(v for r in results for v in r.applied_now)
    assert applied == [f.version for f in discover(migrations_dir)]  # split between the two, no repeats
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select count(*) from public.applied_counter").fetchone() == (1,)
    assert len(_history(database_url)) == len(discover(migrations_dir))


def test_broken_file_rolls_back_whole_and_stops_the_run(database_url: str, migrations_dir: Path) -> None:
    migrate(database_url, migrations_dir)
    before_history = _history(database_url)
    before_tables = _tables(database_url)
    (migrations_dir / "20990101000000_broken.sql").write_text(
        "-- first statement succeeds, then is rolled back\n"
        "create table public.half_done (id int);\n"
        "\n"
        "insert into public.half_done\n"
        "  select id from public.no_such_table;\n"
    )
    (migrations_dir / "20990102000000_after.sql").write_text("create table public.after_broken (id int);\n")
    with pytest.raises(MigrationFailed) as info:
        migrate(database_url, migrations_dir)
    error = info.value
    assert (error.file, error.statement, error.line) == ("20990101000000_broken.sql", 2, 5)
    assert str(error).startswith("20990101000000_broken.sql:5: statement 2 failed, file rolled back:")
    assert 'relation "public.no_such_table" does not exist' in str(error)
    assert _history(database_url) == before_history
    assert _tables(database_url) == before_tables  # neither half_done nor after_broken exists


def test_syntax_error_anywhere_applies_nothing(database_url: str, migrations_dir: Path) -> None:
    (migrations_dir / "20990101000000_typo.sql").write_text("select 1;\ncreate tabel x (id int);\n")
    with pytest.raises(Exception, match=r"^20990101000000_typo.sql:2: statement 2: syntax error"):
        migrate(database_url, migrations_dir)
    assert "supabase_migrations.schema_migrations" not in _tables(database_url)


def test_changed_applied_file_is_refused_naming_it(database_url: str, migrations_dir: Path) -> None:
    migrate(database_url, migrations_dir)
    edited = discover(migrations_dir)[1].path
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")
    (migrations_dir / "20990101000000_new.sql").write_text("create table public.not_applied (id int);\n")
    with pytest.raises(MigrationDrift, match=f"changed since they were applied: {edited.name};"):
        migrate(database_url, migrations_dir)
    assert "public.not_applied" not in _tables(database_url)


def test_pending_file_older_than_the_latest_applied_is_refused_unless_include_all(
    database_url: str, migrations_dir: Path
) -> None:
    migrate(database_url, migrations_dir)
    latest = discover(migrations_dir)[-1].version
    (migrations_dir / "20240101000000_from_a_branch.sql").write_text("create table public.late (id int);\n")
    (migrations_dir / "20990101000000_new.sql").write_text("create table public.newer (id int);\n")
    expected = (
        f"pending migration(s) sort before the latest applied version {latest}: 20240101000000_from_a_branch.sql; "
        "give them a newer timestamp, or apply them as they are with `migrate --include-all`"
    )
    for dry_run in (True, False):
        with pytest.raises(MigrationOutOfOrder) as exc:
            migrate(database_url, migrations_dir, dry_run=dry_run)
        assert str(exc.value) == expected
    assert {"public.late", "public.newer"}.isdisjoint(_tables(database_url))  # nothing applied, not even the newer

    result = migrate(database_url, migrations_dir, include_all=True)
    assert result.applied_now == ["20240101000000", "20990101000000"]
    assert {"public.late", "public.newer"} <= _tables(database_url)


def test_history_version_without_local_file_is_refused(database_url: str, migrations_dir: Path) -> None:
    migrate(database_url, migrations_dir)
    removed = discover(migrations_dir)[-1]
    removed.path.unlink()
    with pytest.raises(MigrationDrift, match=f"no local file: {removed.version};"):
        migrate(database_url, migrations_dir, dry_run=True)


def test_dry_run_lists_pending_and_changes_nothing(database_url: str, migrations_dir: Path) -> None:
    result = migrate(database_url, migrations_dir, dry_run=True)
    assert [f.version for f in result.pending] == [f.version for f in discover(migrations_dir)]
    assert result.applied_now == []
    assert _tables(database_url) == set()  # not even the history table
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select to_regnamespace('supabase_migrations')").fetchone() == (None,)


def test_history_table_created_by_the_supabase_cli_is_adopted(database_url: str, migrations_dir: Path) -> None:
    first = discover(migrations_dir)[0]
    with psycopg.connect(database_url) as conn:
        # The CLI applied the first file: its statements, and exactly the CLI's history statements
        # (pkg/migration/history.go) and row, with no checksum column.
        for statement in split(first.sql, first.filename):
            conn.execute(statement.text.encode())
        conn.execute("create schema if not exists supabase_migrations")
        conn.execute("create table supabase_migrations.schema_migrations (version text not null primary key)")
        conn.execute("alter table supabase_migrations.schema_migrations add column if not exists statements text[]")
        conn.execute("alter table supabase_migrations.schema_migrations add column if not exists name text")
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)",
            (first.version, first.name, ["select 1"]),
        )
    result = migrate(database_url, migrations_dir)
    assert first.version not in result.applied_now  # the CLI's row counts as applied
    assert result.applied_now == [f.version for f in discover(migrations_dir)[1:]]
    assert _history(database_url)[0][3] is None  # no checksum invented for the CLI's row


def test_history_of_an_amended_file_as_released_is_not_drift(database_url: str, migrations_dir: Path) -> None:
    from launchpad.db.migrations.amended import AMENDED

    migrate(database_url, migrations_dir)
    baseline = discover(migrations_dir)[0]
    (released,) = AMENDED[baseline.version]
    assert released != baseline.checksum
    set_checksum = "update supabase_migrations.schema_migrations set checksum = %s where version = %s"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(set_checksum, (released, baseline.version))
    assert migrate(database_url, migrations_dir).applied_now == []  # applied as released: not drift
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(set_checksum, ("0" * 64, baseline.version))
    with pytest.raises(MigrationDrift, match=f"changed since they were applied: {baseline.filename};"):
        migrate(database_url, migrations_dir)


def test_a_migration_behind_a_long_transaction_gives_up_naming_the_table_and_its_holder(
    database_url: str, migrations_dir: Path
) -> None:
    """Issue 18: `migrate` waited forever behind a transaction that had read the table it alters, and every
    new reader of the table queued behind it. Now each statement waits `lock_timeout`, the file is rolled back
    and retried, and the error names the table and the session that holds it."""
    import threading
    import time

    from launchpad.db.errors import MigrationLocked
    from launchpad.db.migrations.waits import Timeouts

    migrate(database_url, migrations_dir)
    (migrations_dir / "20990101000000_alter.sql").write_text("alter table public.agents add column note text;\n")
    holder = psycopg.connect(database_url, application_name="long-report")
    holder.execute("select count(*) from public.agents")  # ACCESS SHARE until the transaction ends
    pid = holder.info.backend_pid
    readers: list[float] = []

    def read_while_waiting() -> None:  # a new reader of the table, while the ALTER waits
        time.sleep(0.5)
        start = time.monotonic()
        with psycopg.connect(database_url) as conn:
            conn.execute("select count(*) from public.agents")
        readers.append(time.monotonic() - start)

    reader = threading.Thread(target=read_while_waiting)
    reader.start()
    start = time.monotonic()
    try:
        with pytest.raises(MigrationLocked) as caught:
            migrate(database_url, migrations_dir, timeouts=Timeouts(lock_seconds=1, attempts=2, pause_seconds=0.2))
    finally:
        reader.join(timeout=30)
        holder.close()
    assert time.monotonic() - start < 15
    message = str(caught.value)
    assert message.startswith("20990101000000_alter.sql:1: statement 1 waited for a lock on public.agents 2 times")
    assert f"Held by pid {pid} (long-report) holding AccessShareLock, idle in transaction" in message
    assert f"select pg_terminate_backend({pid})" in message
    assert readers and readers[0] < 5  # the reader queued behind the ALTER for one lock_timeout at most
    assert migrate(database_url, migrations_dir).applied_now == ["20990101000000"]  # the holder gone: applies
