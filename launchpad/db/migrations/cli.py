"""`python -m launchpad migrate`: apply supabase/migrations to a Postgres (wired in by launchpad.cli)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from launchpad.db.errors import MigrationError
from launchpad.db.redact import describe, redact

if TYPE_CHECKING:  # psycopg and pglast load only when a command needs them
    from launchpad.db.check.finding import Finding

DEFAULT_DIR = Path("supabase/migrations")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = subparsers.add_parser(
        "migrate",
        help="apply pending supabase/migrations (Supabase CLI history, one transaction per file)",
        description="Apply pending migrations, then check the database (`db check`). Exit 0 when up to date "
        "and clean; 1 on any migration error or finding.",
    )
    add_database_arguments(migrate)
    migrate.add_argument("--dry-run", action="store_true", help="list pending migrations and change nothing")
    migrate.add_argument(
        "--lock-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long one statement may wait for a table lock before its file is rolled back and retried "
        "(default: 5; a waiting ALTER makes every later reader of the table wait behind it)",
    )
    migrate.add_argument(
        "--lock-attempts",
        type=int,
        default=4,
        metavar="N",
        help="attempts per file that cannot get its locks (default 4)"
    )
    migrate.add_argument(
        "--include-all",
        action="store_true",
        help="also apply pending migrations older than the latest applied one (refused by default)",
    )
    migrate.set_defaults(func=run)


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """--database-url and --migrations-dir, shared by `migrate` and `db check`."""
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql:// URL (default: $DATABASE_URL); it is never printed",
    )
    parser.add_argument(
        "--migrations-dir", type=Path, default=DEFAULT_DIR, help=f"directory of migrations (default: {DEFAULT_DIR})"
    )


def database_url(args: argparse.Namespace, command: str) -> str | None:
    """--database-url, else $DATABASE_URL; None (with the message printed) when neither is set."""
    url: str | None = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print(f"{command}: no database URL: pass --database-url or set DATABASE_URL", file=sys.stderr)
    return url


def run(args: argparse.Namespace) -> int:
    from launchpad.db.migrations.runner import migrate  # psycopg and pglast load only when migrating
    from launchpad.db.migrations.waits import Timeouts

    url = database_url(args, "migrate")
    if not url:
        return 1
    timeouts = Timeouts(lock_seconds=max(args.lock_timeout, 0.1), attempts=max(args.lock_attempts, 1))
    try:
        result = migrate(
            url, args.migrations_dir, dry_run=args.dry_run, include_all=args.include_all, timeouts=timeouts
        )
    except MigrationError as exc:
        print(f"migrate: {redact(str(exc), url)}", file=sys.stderr)
        return 1
    target = describe(url)
    if result.dry_run:
        print(f"{len(result.pending)} pending migration(s) on {target} (dry run, nothing changed)")
        for file in result.pending:
            print(f"  {file.filename}")
        return 0
    for version in result.applied_now:
        print(f"applied {next(f.filename for f in result.pending if f.version == version)}")
    print(f"{target}: {len(result.applied_now)} applied, {len(result.applied_versions)} in history, up to date")
    return report_findings(result.findings, f"migrate: the database check found {{}} problem(s) on {target}")


def report_findings(findings: list[Finding], summary: str) -> int:
    """`db check`'s findings, one line each on stdout, then `summary` (with the count) on stderr; the exit
    code: 1 if there is any."""
    for finding in findings:
        print(finding.line())
    if findings:
        print(summary.format(len(findings)), file=sys.stderr)
        return 1
    return 0
