"""Databases for the DB tests, of two kinds:

- `postgresql`: a plain PostgreSQL, where the tests connect as the bootstrap superuser (`pg_server`,
  tests/conftest.py); the migrations create their own Supabase baseline there (the dev stack's case);
- `supabase`: a database that behaves like a hosted Supabase project (tests/db/hosted_supabase.py), where the
  tests connect, and migrate, as `postgres`, which is not a superuser there.

`database_url` is a fresh plain database; `any_migrated_url` and `migrated_url` run a test on both kinds, on a
copy of a database migrated once per session and kind.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from launchpad.db import local_server
from tests.db import hosted_supabase

MIGRATIONS = Path(__file__).resolve().parents[2] / "supabase" / "migrations"
KINDS = ["postgresql", "supabase"]
_TEMPLATE = "supabase_template"


@dataclass(frozen=True)
class Cluster:
    """A server and the role tests connect as; new databases are copies of `template` owned by that role."""

    server: local_server.LocalServer
    user: str
    template: str = "template1"

    def create(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server.url, autocommit=True) as conn:
            conn.execute(f'create database "{name}" template "{self.template}" owner "{self.user}"')
        return name

    def url(self, database: str) -> str:
        return self.server.url_for(self.user, database)

    def drop(self, database: str) -> None:
        with psycopg.connect(self.server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{database}" with (force)')


@pytest.fixture(scope="session")
def supabase_server() -> Iterator[Cluster]:
    """A second cluster of the same embedded PostgreSQL, bootstrapped as `supabase_admin`, with the roles of
    a hosted project and a template database holding its `auth` schema and default privileges (~1 s)."""
    root = Path(tempfile.mkdtemp(prefix="launchpad-supabase-"))
    server = local_server.start(
        root / "data", local_server.free_port(), durable=False, superuser=hosted_supabase.ADMIN
    )
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(hosted_supabase.ROLES.encode())
            conn.execute(f'create database "{_TEMPLATE}" owner "{hosted_supabase.CLIENT}"')
        with psycopg.connect(server.url_for(hosted_supabase.ADMIN, _TEMPLATE), autocommit=True) as conn:
            conn.execute(hosted_supabase.DATABASE.encode())
        yield Cluster(server, hosted_supabase.CLIENT, _TEMPLATE)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def plain_server(pg_server: local_server.LocalServer) -> Cluster:
    return Cluster(pg_server, local_server.SUPERUSER)


@contextmanager
def _fresh(cluster: Cluster, prefix: str) -> Iterator[str]:
    name = cluster.create(prefix)
    try:
        yield cluster.url(name)
    finally:
        cluster.drop(name)


@pytest.fixture
def database_url(plain_server: Cluster) -> Iterator[str]:
    """A new, empty plain PostgreSQL database (connected as its superuser); dropped afterwards."""
    with _fresh(plain_server, "t") as url:
        yield url


@pytest.fixture
def hosted_url(supabase_server: Cluster) -> Iterator[str]:
    """A new hosted-Supabase-like database, connected as the non-superuser `postgres`; dropped afterwards."""
    with _fresh(supabase_server, "s") as url:
        yield url


def _migrated_template(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster, copying new databases from one that every project migration was applied to, as the
    cluster's user, and `db check` found clean: migrated once per session, copied in a fraction of the time."""
    from launchpad.db.migrations.runner import migrate

    name = cluster.create("migrated_template")
    try:
        assert migrate(cluster.url(name), MIGRATIONS).findings == []
        yield dataclasses.replace(cluster, template=name)
    finally:
        cluster.drop(name)


@pytest.fixture(scope="session")
def postgresql_migrated(plain_server: Cluster) -> Iterator[Cluster]:
    yield from _migrated_template(plain_server)


@pytest.fixture(scope="session")
def supabase_migrated(supabase_server: Cluster) -> Iterator[Cluster]:
    yield from _migrated_template(supabase_server)


def _migrated(request: pytest.FixtureRequest, kind: str) -> Cluster:
    cluster: Cluster = request.getfixturevalue(f"{kind}_migrated")
    return cluster


@pytest.fixture(params=KINDS)
def any_migrated_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new database of each kind in turn with every project migration applied (a copy of the session's
    migrated one): the test runs once on plain PostgreSQL, once on hosted-like, and may change it."""
    with _fresh(_migrated(request, request.param), "t") as url:
        yield url


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    """A private copy of the project's migrations, so a test can add, break or edit files."""
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    return target


@pytest.fixture(scope="module", params=KINDS)
def migrated_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of each kind with every project migration applied (as the kind's user), shared by one
    test module: each test using it runs on both kinds."""
    with _fresh(_migrated(request, request.param), "m") as url:
        yield url
