"""Fixtures of the dashboard's tests: the migrated PostgreSQL template of tests/db (copied per module)."""

from tests.db.conftest import plain_server, postgresql_migrated  # noqa: F401 - fixtures, used by name
