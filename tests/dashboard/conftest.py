"""Fixtures of the dashboard's tests: the migrated PostgreSQL template of tests/db (copied per module), and the
engine, database and project copy of tests/e2e for the end-to-end tests."""

from tests.db.conftest import plain_server, postgresql_migrated  # noqa: F401 - fixtures, used by name
from tests.e2e.conftest import database, engine, workspace  # noqa: F401 - fixtures, used by name
