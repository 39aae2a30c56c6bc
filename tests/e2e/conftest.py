"""Fixtures for the end-to-end tests: the real Pulumi engine (tools/engine), a real PostgreSQL, a copy of
the project. Without `pulumi` on PATH they skip, except in CI, where the engine is part of the set-up
(scripts/test.sh sources scripts/engine-env.sh) and its absence is a failure."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from launchpad.db import local_server
from tests.e2e.workspace import DB_PASSWORD, Workspace, copy_project, engine_env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def engine() -> str:
    found = shutil.which("pulumi")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the Pulumi engine is not on PATH; CI builds it with tools/engine/ensure.sh")
        pytest.skip("no pulumi on PATH: run `source scripts/engine-env.sh` (builds it from Go modules)")
    return found


@pytest.fixture(scope="module")
def database(pg_server: local_server.LocalServer) -> Iterator[str]:
    """A fresh database for one test module, its URL with a password (trust auth ignores it; it must still
    never reach a state)."""
    database = f"e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    try:
        url = pg_server.url.rsplit("/", 1)[0].replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@")
        yield f"{url}/{database}"
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{database}" with (force)')


@pytest.fixture(scope="module")
def workspace(engine: str, database: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("e2e")
    ws = Workspace(copy_project(base / "project"), engine_env(base / "state"), database)
    (base / "state").mkdir()
    ws.pulumi("stack", "init", "dev")
    ws.pulumi("config", "set", "--secret", "databaseUrl", database, "--stack", "dev")
    return ws
