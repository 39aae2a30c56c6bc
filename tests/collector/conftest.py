"""Databases for the collector's tests: copies of the session's migrated plain PostgreSQL (the repository
itself is tested on both kinds in tests/db)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.db.conftest import Cluster, plain_server, postgresql_migrated  # noqa: F401 (fixtures)


@pytest.fixture
def telemetry_url(postgresql_migrated: Cluster) -> Iterator[str]:  # noqa: F811
    name = postgresql_migrated.create("c")
    try:
        yield postgresql_migrated.url(name)
    finally:
        postgresql_migrated.drop(name)
