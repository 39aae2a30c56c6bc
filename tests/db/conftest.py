"""One fresh database per test on the session's real PostgreSQL (`pg_server`, tests/conftest.py)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from launchpad.db import local_server

MIGRATIONS = Path(__file__).resolve().parents[2] / "supabase" / "migrations"


def _url_for(server: local_server.LocalServer, database: str) -> str:
    return server.url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture
def database_url(pg_server: local_server.LocalServer) -> Iterator[str]:
    """A new, empty database on the session's server; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield _url_for(pg_server, name)
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    """A private copy of the project's migrations, so a test can add, break or edit files."""
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    return target


@pytest.fixture(scope="module")
def migrated_url(pg_server: local_server.LocalServer) -> Iterator[str]:
    """A database with every project migration applied, shared by one test module."""
    from launchpad.db.runner import migrate

    name = f"m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = _url_for(pg_server, name)
    migrate(url, MIGRATIONS)
    try:
        yield url
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
