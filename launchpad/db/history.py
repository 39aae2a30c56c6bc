"""The migration history table, shared with the Supabase CLI (`supabase db push` / `migration list`).

Same table, same columns and the same statements the CLI runs to create it, so either tool can pick up the
other's history. Our own addition, `checksum`, is nullable: rows written by the CLI have none.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from launchpad.db.files import MigrationFile
from launchpad.db.statements import Statement

_CREATE = (
    "create schema if not exists supabase_migrations",
    "create table if not exists supabase_migrations.schema_migrations (version text not null primary key)",
    "alter table supabase_migrations.schema_migrations add column if not exists statements text[]",
    "alter table supabase_migrations.schema_migrations add column if not exists name text",
    "alter table supabase_migrations.schema_migrations add column if not exists checksum text",
)


@dataclass(frozen=True)
class Applied:
    version: str
    name: str
    checksum: str | None  # None when applied by the Supabase CLI


def ensure_table(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    with conn.transaction():
        for sql in _CREATE:
            conn.execute(sql)


def read(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, Applied]:
    """Applied migrations by version; empty if the table does not exist yet (read-only: the dry run uses it)."""
    columns = {
        str(row[0])
        for row in conn.execute(
            "select attname from pg_attribute"
            " where attrelid = to_regclass('supabase_migrations.schema_migrations') and attnum > 0"
            " and not attisdropped"
        )
    }
    if "version" not in columns:
        return {}
    name = "coalesce(name, '')" if "name" in columns else "''"
    checksum = "checksum" if "checksum" in columns else "null"
    rows = conn.execute(f"select version, {name}, {checksum} from supabase_migrations.schema_migrations")
    return {str(v): Applied(str(v), str(n), None if c is None else str(c)) for v, n, c in rows}


def record(conn: psycopg.Connection[tuple[object, ...]], file: MigrationFile, statements: list[Statement]) -> None:
    conn.execute(
        "insert into supabase_migrations.schema_migrations (version, name, statements, checksum)"
        " values (%s, %s, %s, %s)",
        (file.version, file.name, [s.text for s in statements], file.checksum),
    )
