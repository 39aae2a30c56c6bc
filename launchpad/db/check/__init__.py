"""`db check`: the live database against what the migrations declare, one catalog query per rule (after
supabase/splinter). Run by `migrate` after it applies, by the stack's preview, and on its own
(`python -m launchpad db check`). Read-only: everything it does happens in a transaction it rolls back."""

from __future__ import annotations

from pathlib import Path

import psycopg

from launchpad.db import pg_errors
from launchpad.db.check.declared import declared
from launchpad.db.check.finding import Context, Finding
from launchpad.db.check.rules import RULES
from launchpad.db.connect import connect
from launchpad.db.errors import MigrationError
from launchpad.db.migrations.files import MigrationFile, discover
from launchpad.db.redact import describe

__all__ = ["RULES", "Finding", "check", "check_database"]


def check(conn: psycopg.Connection[tuple[object, ...]], files: list[MigrationFile]) -> list[Finding]:
    """Every rule's findings on `conn`'s database (an autocommit connection, outside any transaction)."""
    expected = declared(files)
    row = conn.execute("show search_path").fetchone()
    search_path = str(row[0]) if row else ""
    findings: list[Finding] = []
    with conn.transaction(force_rollback=True):
        # Empty search_path: the catalog prints every name schema-qualified, the same for every session.
        conn.execute("select set_config('search_path', '', true)")
        context = Context(conn, expected, search_path)
        for rule in RULES:
            findings += rule.run(context)
    return findings


def check_database(url: str, migrations_dir: Path) -> list[Finding]:
    """Connect, check, disconnect. A database error is one MigrationError line, never the URL."""
    files = discover(migrations_dir)
    conn = connect(url, application_name="launchpad-check")
    try:
        return check(conn, files)
    except psycopg.Error as exc:
        raise MigrationError(f"checking {describe(url)} failed: {pg_errors.reason(exc, url)}") from None
    finally:
        conn.close()
