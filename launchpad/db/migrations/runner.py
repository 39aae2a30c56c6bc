"""Apply pending migrations: one transaction per file, under the advisory lock, drift refused."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from launchpad.db import pg_errors
from launchpad.db.check import Finding, check
from launchpad.db.connect import connect
from launchpad.db.errors import MigrationDrift, MigrationError, MigrationFailed, MigrationLocked, MigrationOutOfOrder
from launchpad.db.migrations import amended, history
from launchpad.db.migrations.files import MigrationFile, discover
from launchpad.db.migrations.lock import migration_lock
from launchpad.db.migrations.statements import Statement, line_of, split
from launchpad.db.migrations.waits import TIMEOUTS, Timeouts, holders, relations_of
from launchpad.db.redact import describe

Connection = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class Plan:
    files: list[MigrationFile]
    applied: dict[str, history.Applied]

    @property
    def pending(self) -> list[MigrationFile]:
        return [f for f in self.files if f.version not in self.applied]


@dataclass
class Result:
    pending: list[MigrationFile]  # what was pending when the run started (under the lock)
    applied_now: list[str] = field(default_factory=list)
    applied_versions: list[str] = field(default_factory=list)  # everything in the history afterwards
    dry_run: bool = False
    findings: list[Finding] = field(default_factory=list)  # `db check` on the result (not on a dry run)


def plan(conn: Connection, files: list[MigrationFile], include_all: bool = False) -> Plan:
    """Read-only: what is applied, what is pending. Raises on drift, on history the files lack and, unless
    `include_all`, on a pending file older than the latest applied one."""
    applied = history.read(conn)
    check_consistency(files, applied)
    current = Plan(files, applied)
    if not include_all:
        check_order(current)
    return current


def check_order(current: Plan) -> None:
    """A file that sorts before what is already applied was usually written on a branch before the others
    merged: applying it now runs it after SQL it was not written against. The Supabase CLI refuses it unless
    told `--include-all`; so does this runner, so both tools treat the shared history alike."""
    if not current.applied:
        return
    latest = max(current.applied)
    older = [f.filename for f in current.pending if f.version < latest]
    if older:
        raise MigrationOutOfOrder(
            f"pending migration(s) sort before the latest applied version {latest}: {', '.join(older)}; "
            "give them a newer timestamp, or apply them as they are with `migrate --include-all`"
        )


def check_consistency(files: list[MigrationFile], applied: dict[str, history.Applied]) -> None:
    by_version = {f.version: f for f in files}
    drifted = [
        by_version[v].filename
        for v, row in sorted(applied.items())
        if v in by_version
        and row.checksum is not None
        and not amended.matches(v, row.checksum, by_version[v].checksum)
    ]
    if drifted:
        raise MigrationDrift(
            f"applied migration(s) changed since they were applied: {', '.join(drifted)}; "
            "restore the applied content and put the change in a new migration file"
        )
    missing = sorted(v for v in applied if v not in by_version)
    if missing:
        raise MigrationDrift(
            f"the database has applied version(s) with no local file: {', '.join(missing)}; "
            "fetch those migration files before migrating"
        )


def migrate(
    url: str, directory: Path, *, dry_run: bool = False, include_all: bool = False, timeouts: Timeouts = TIMEOUTS
) -> Result:
    files = discover(directory)
    # Parse every file first: a syntax error anywhere is reported before anything is applied.
    parsed = {f.version: split(f.sql, f.filename) for f in files}
    conn = connect(url)
    try:
        if dry_run:
            current = plan(conn, files, include_all)
            return Result(current.pending, applied_versions=sorted(current.applied), dry_run=True)
        with migration_lock(conn):
            history.ensure_table(conn)
            current = plan(conn, files, include_all)  # re-read under the lock: another runner may have just applied
            result = Result(current.pending)
            for file in current.pending:
                apply_file(conn, file, parsed[file.version], url, timeouts)
                result.applied_now.append(file.version)
            result.applied_versions = sorted(history.read(conn))
            result.findings = check(conn, files)
            return result
    except psycopg.Error as exc:  # reading the history or taking the lock; a file's failure is MigrationFailed
        raise MigrationError(f"{describe(url)}: {pg_errors.reason(exc, url)}") from None
    finally:
        conn.close()


class _Failed(Exception):
    def __init__(self, statement: Statement | None, error: psycopg.Error) -> None:
        self.statement = statement
        self.error = error


def _apply_once(conn: Connection, file: MigrationFile, statements: list[Statement], timeouts: Timeouts) -> None:
    current: Statement | None = None
    try:
        with conn.transaction():
            # Local to this transaction: the advisory lock (session-wide, taken before) may wait for another
            # runner as long as that one takes; a statement of a file may not (launchpad/db/migrations/waits.py).
            conn.execute(f"set local lock_timeout = '{int(timeouts.lock_seconds * 1000)}ms'")
            conn.execute(f"set local statement_timeout = '{int(timeouts.statement_seconds * 1000)}ms'")
            for current in statements:
                # No parameters: psycopg sends the text as is (a literal % needs no escaping).
                conn.execute(current.text.encode())
            current = None  # from here on a failure is the history insert, not a statement of the file
            history.record(conn, file, statements)
    except psycopg.Error as exc:
        raise _Failed(current, exc) from None


def apply_file(
    conn: Connection, file: MigrationFile, statements: list[Statement], url: str, timeouts: Timeouts = TIMEOUTS
) -> None:
    """All statements and the history row in one transaction: the file lands whole or not at all. A file that
    cannot get a lock in time is rolled back and tried again, `timeouts.attempts` times in all."""
    pause = timeouts.pause_seconds
    for attempt in range(1, timeouts.attempts + 1):
        try:
            _apply_once(conn, file, statements, timeouts)
            return
        except _Failed as failed:
            if not isinstance(failed.error, psycopg.errors.LockNotAvailable) or failed.statement is None:
                raise _failure(file, failed.statement, failed.error, url) from None
            if attempt == timeouts.attempts:
                raise _locked(conn, file, failed.statement, timeouts) from None
        time.sleep(pause)
        pause *= 2


def _locked(conn: Connection, file: MigrationFile, statement: Statement, timeouts: Timeouts) -> MigrationError:
    """The statement could not get its lock: which table, and who holds it."""
    relations = relations_of(statement.text)
    try:
        found = holders(conn, relations)
    except psycopg.Error:
        found = []
    tables = ", ".join(sorted({h.relation for h in found})) or ", ".join(relations) or "a table"
    held = "; ".join(h.describe() for h in found) or "a session that has since ended"
    end = f" (`select pg_terminate_backend({found[0].pid})`)" if found else ""
    return MigrationLocked(
        f"{file.filename}:{statement.line}: statement {statement.index} waited for a lock on {tables} "
        f"{timeouts.attempts} times, {timeouts.lock_seconds:g} s each, and gave up; the file was rolled back "
        f"(files before it stay applied). Held by {held}. A long transaction holds it: let it end, or end it{end}, "
        "then run migrate again"
    )


def _failure(file: MigrationFile, statement: Statement | None, exc: psycopg.Error, url: str) -> MigrationError:
    message = pg_errors.reason(exc, url)
    if statement is None:
        return MigrationError(f"{file.filename}: recording it in the history failed, file rolled back: {message}")
    line = statement.line
    position = exc.diag.statement_position
    if position and position.isdigit():
        line += line_of(statement.text, int(position) - 1) - 1
    return MigrationFailed(file.filename, statement.index, line, message)
