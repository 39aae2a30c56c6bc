"""Apply pending migrations: one transaction per file, under the advisory lock, drift refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from launchpad.db import pg_errors
from launchpad.db.check import Finding, check
from launchpad.db.connect import connect
from launchpad.db.errors import MigrationDrift, MigrationError, MigrationFailed, MigrationOutOfOrder
from launchpad.db.migrations import amended, history
from launchpad.db.migrations.files import MigrationFile, discover
from launchpad.db.migrations.lock import migration_lock
from launchpad.db.migrations.statements import Statement, line_of, split
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


def migrate(url: str, directory: Path, *, dry_run: bool = False, include_all: bool = False) -> Result:
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
                apply_file(conn, file, parsed[file.version], url)
                result.applied_now.append(file.version)
            result.applied_versions = sorted(history.read(conn))
            result.findings = check(conn, files)
            return result
    except psycopg.Error as exc:  # reading the history or taking the lock; a file's failure is MigrationFailed
        raise MigrationError(f"{describe(url)}: {pg_errors.reason(exc, url)}") from None
    finally:
        conn.close()


def apply_file(conn: Connection, file: MigrationFile, statements: list[Statement], url: str) -> None:
    """All statements and the history row in one transaction: the file lands whole or not at all."""
    current: Statement | None = None
    try:
        with conn.transaction():
            for current in statements:
                # No parameters: psycopg sends the text as is (a literal % needs no escaping).
                conn.execute(current.text.encode())
            current = None  # from here on a failure is the history insert, not a statement of the file
            history.record(conn, file, statements)
    except psycopg.Error as exc:
        raise _failure(file, current, exc, url) from None


def _failure(file: MigrationFile, statement: Statement | None, exc: psycopg.Error, url: str) -> MigrationError:
    message = pg_errors.reason(exc, url)
    if statement is None:
        return MigrationError(f"{file.filename}: recording it in the history failed, file rolled back: {message}")
    line = statement.line
    position = exc.diag.statement_position
    if position and position.isdigit():
        line += line_of(statement.text, int(position) - 1) - 1
    return MigrationFailed(file.filename, statement.index, line, message)
