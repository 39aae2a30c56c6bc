"""`python -m launchpad db check`: the live database against what supabase/migrations declare (wired in by
launchpad.cli)."""

from __future__ import annotations

import argparse
import sys

from launchpad.db.errors import MigrationError
from launchpad.db.migrations.cli import add_database_arguments, database_url, report_findings
from launchpad.db.redact import describe, redact


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="inspect the control-plane database")
    actions = db.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "check",
        help="check the live database against the migrations: RLS, policies, API-role privileges, functions",
        description="One line per finding (level, rule, object, problem, fix). Exit 0 when clean, 1 otherwise.",
    )
    add_database_arguments(check)
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from launchpad.db.check import RULES, check_database  # psycopg and pglast load only when checking

    url = database_url(args, "db check")
    if not url:
        return 1
    try:
        findings = check_database(url, args.migrations_dir)
    except MigrationError as exc:
        print(f"db check: {redact(str(exc), url)}", file=sys.stderr)
        return 1
    if not findings:
        print(f"{describe(url)}: clean ({len(RULES)} rules)")
    return report_findings(findings, f"db check: {{}} problem(s) on {describe(url)}")
