"""The database fixtures of tests/db (a plain PostgreSQL and a hosted-Supabase-like one, migrated once per
session), for the worker's tests over the real queue."""

from tests.db.conftest import (  # noqa: F401 - fixtures, found by name
    any_migrated_url,
    plain_server,
    postgresql_migrated,
    supabase_migrated,
    supabase_server,
)
