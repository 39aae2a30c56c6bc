"""The migration history table, shared with the Supabase CLI (`supabase db push` / `migration list`).

Same table, same columns and the same statements the CLI runs to create it, so either tool can pick up the
other's history. Our own addition, `checksum`, is nullable: rows written by the CLI have none.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from launchpad.db import pg_errors
from launchpad.db.errors import HistoryTableError
from launchpad.db.migrations.files import MigrationFile
from launchpad.db.migrations.statements import Statement

TABLE = "supabase_migrations.schema_migrations"
# The CLI's own statements (pkg/migration/history.go), each run only when what it makes is missing: creating
# needs CREATE on the database and ALTER needs ownership, neither of which an existing table should demand.
_CREATE_SCHEMA = "create schema if not exists supabase_migrations"
_CREATE_TABLE = f"create table if not exists {TABLE} (version text not null primary key)"
_COLUMNS = {"statements": "text[]", "name": "text", "checksum": "text"}  # checksum: ours, nullable


@dataclass(frozen=True)
class Applied:
    version: str
    name: str
    checksum: str | None  # None when applied by the Supabase CLI


def ensure_table(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Create what is missing of the history table; a failure is one line saying what to grant."""
    step = f"creating {TABLE}"
    try:
        with conn.transaction():
            if conn.execute("select to_regnamespace('supabase_migrations')").fetchone() == (None,):
                step = "creating schema supabase_migrations"
                conn.execute(_CREATE_SCHEMA)
            existing = _columns(conn)
            if not existing:
                step = f"creating {TABLE}"
                conn.execute(_CREATE_TABLE)
            for column, kind in _COLUMNS.items():
                if column not in existing:
                    step = f"adding column {column} to {TABLE}"
                    conn.execute(f"alter table {TABLE} add column if not exists {column} {kind}")
    except psycopg.Error as exc:
        raise HistoryTableError(f"{step} failed: {pg_errors.reason(exc)}; {_remedy(conn, exc)}") from None


def _remedy(conn: psycopg.Connection[tuple[object, ...]], exc: psycopg.Error) -> str:
    if exc.sqlstate != "42501":  # insufficient_privilege; anything else has no standard fix
        return "nothing was applied"
    owner = conn.execute(f"select relowner::regrole::text from pg_class where oid = to_regclass('{TABLE}')").fetchone()
    if owner is not None:
        return (
            f"the table belongs to {owner[0]}: run migrate as {owner[0]}, or have it add the missing columns "
            f"({', '.join(f'{c} {k}' for c, k in _COLUMNS.items())}); nothing was applied"
        )
    return (
        "the migrating role needs CREATE on the database (or schema supabase_migrations made by a role that "
        "has it, with CREATE granted on the schema); nothing was applied"
    )


def _columns(conn: psycopg.Connection[tuple[object, ...]]) -> set[str]:
    rows = conn.execute(
        "select attname from pg_attribute"
        f" where attrelid = to_regclass('{TABLE}') and attnum > 0 and not attisdropped"
    )
    return {str(row[0]) for row in rows}


def read(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, Applied]:
    """Applied migrations by version; empty if the table does not exist yet (read-only: the dry run uses it)."""
    columns = _columns(conn)
    if "version" not in columns:
        return {}
    name = "coalesce(name, '')" if "name" in columns else "''"
    checksum = "checksum" if "checksum" in columns else "null"
    rows = conn.execute(f"select version, {name}, {checksum} from {TABLE}")
    return {str(v): Applied(str(v), str(n), None if c is None else str(c)) for v, n, c in rows}


def record(conn: psycopg.Connection[tuple[object, ...]], file: MigrationFile, statements: list[Statement]) -> None:
    conn.execute(
        f"insert into {TABLE} (version, name, statements, checksum)"
        " values (%s, %s, %s, %s)",
        (file.version, file.name, [s.text for s in statements], file.checksum),
    )
