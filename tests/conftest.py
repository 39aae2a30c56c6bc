"""Fixtures shared by every test directory."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchpad.db import local_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[local_server.LocalServer]:
    # Not under pytest's basetemp: pytest keeps that 0700, and as root the server runs as another user
    # that must traverse the path.
    root = Path(tempfile.mkdtemp(prefix="launchpad-pg-"))
    server = local_server.start(root / "data", local_server.free_port(), durable=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def registry_url(pg_server: local_server.LocalServer) -> Iterator[str]:
    """One plain database with every migration applied, holding no agent created through the API: what a
    stack with `database: true` reads its API agents from (components/program.py). Its URL carries a
    password (trust auth ignores it) that must never reach a state or a message."""
    import uuid

    import psycopg

    from launchpad.db.migrations.runner import migrate

    name = f"registry_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = pg_server.url_for(f"{local_server.SUPERUSER}:registry-test-password", name)
    try:
        assert migrate(url, Path(__file__).resolve().parents[1] / "supabase" / "migrations").findings == []
        yield url
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
