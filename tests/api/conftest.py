"""The API under test, on both databases (a plain PostgreSQL, and one built like a hosted Supabase project,
where migrations run as the non-superuser `postgres`: tests/db/conftest.py), logged in as `launchpad_api`
as in production, with tokens minted as Supabase Auth mints them and its JWKS served on loopback
(tests/api/supabase_auth.py). The example fleet's agent files are registered as the program registers them,
so names taken by git are real rows with their files."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from fastapi.testclient import TestClient

from launchpad.db.repository.agent_record import agent_record
from launchpad.db.repository.registry import register_all
from launchpad.fleet import load_fleet
from launchpad.fleet.models import FleetDefaults
from launchpad.images.build import ImageBuild
from launchpad.images.lockfiles import lock_path
from launchpad.sealed import Keyring, new_key, parse_keyring
from launchpad.settings import StackSettings
from services.api.app import create_app
from services.api.config import ApiConfig, AuthConfig, FleetConfig
from services.api.ratelimit import RateLimits
from tests.api import supabase_auth as auth
from tests.db.conftest import (  # noqa: F401 - fixtures, used by name
    KINDS,
    Cluster,
    _migrated,
    plain_server,
    postgresql_migrated,
    supabase_migrated,
    supabase_server,
)
from tests.fleet.fleet_files import fitting_lock

ROOT = Path(__file__).resolve().parents[2]
USER_A = "0a0a0a0a-0000-4000-8000-00000000000a"
USER_B = "0b0b0b0b-0000-4000-8000-00000000000b"
ADMIN = "0c0c0c0c-0000-4000-8000-00000000000c"
_names = itertools.count()


def unique(prefix: str = "bot") -> str:
    """A fresh agent name: the tests of a module share one database."""
    return f"{prefix}-{next(_names)}"


def valid_body(name: str, **over: Any) -> dict[str, Any]:
    """A request the fleet's rules accept: a Discord bot on OpenAI, whose plugin set (sql, bootstrap, openai,
    discord) has a committed lockfile (crypto-trading-bot's)."""
    body: dict[str, Any] = {
        "agentName": name,
        "description": "Answers questions in our Discord.",
        "character": {"name": "Helper", "bio": "A helpful assistant for the community."},
        "platforms": ["discord"],
        "model": {"provider": "openai", "name": "gpt-4o-mini"},
        "environment": {
            "DISCORD_APPLICATION_ID": "111122223333",
            "DISCORD_API_TOKEN": "discord-token-value-never-shown",
            "OPENAI_API_KEY": "sk-openai-value-never-shown",
        },
    }
    body.update(over)
    return body


@dataclass
class Api:
    client: TestClient
    owner_url: str  # the migrating role: sees everything, for the tests' own checks
    kind: str
    jwks: auth.JwksServer
    key: auth.SigningKey
    keyring: Keyring

    def token(self, user: str, **over: Any) -> str:
        return auth.mint(auth.claims(user, **over), self.key)

    def as_user(self, user: str, **over: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, **over)}"}

    def owner(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.owner_url, autocommit=True)

    def create(self, user: str, name: str, **over: Any) -> dict[str, Any]:
        response = self.client.post("/api/agents", json=valid_body(name, **over), headers=self.as_user(user))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def make_config(database_url: str, jwks_url: str | None, keyring: Keyring, agents_dir: Path,
                **auth_over: Any) -> ApiConfig:
    return ApiConfig(
        database_url=database_url,
        auth=AuthConfig(issuer=auth.ISSUER, hs256_secret=auth.LEGACY_SECRET.encode(), jwks_url=jwks_url,
                        jwks_cooldown_seconds=0, **auth_over),
        keyring=keyring,
        fleet=FleetConfig("dev", StackSettings(database=True), agents_dir),
    )


def _database(request: pytest.FixtureRequest, kind: str, register_git: bool = True) -> Iterator[tuple[Cluster, str]]:
    cluster = _migrated(request, kind)
    name = cluster.create("api")
    try:
        owner_url = cluster.url(name)
        with psycopg.connect(owner_url, autocommit=True) as conn:
            conn.execute("insert into auth.users (id, email) values (%s, 'a@example.test'), (%s, 'b@example.test'),"
                         " (%s, 'admin@example.test')", (USER_A, USER_B, ADMIN))
        if register_git:  # the example fleet's files, registered as the program registers them
            fleet = load_fleet([ROOT / "agents"])
            register_all(owner_url, [agent_record(a) for a in fleet.agents], create_owner=True)
        yield cluster, name
    finally:
        cluster.drop(name)


WEB_SET = ("@elizaos/plugin-bootstrap@1.7.2", "@elizaos/plugin-openai@1.6.0", "@elizaos/plugin-sql@1.7.2")


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's agents directory (the fleet the API adds to), with a lockfile for one more
    plugin set, a web agent's on OpenAI (sql, bootstrap, openai), as the platform team commits one."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "agents", root / "agents")
    defaults = FleetDefaults.model_validate(yaml.safe_load((root / "agents" / "defaults.yaml").read_text()))
    assert defaults.registry is not None and defaults.image is not None and defaults.image.build is not None
    b = defaults.image.build
    build = ImageBuild(defaults.registry, b.runtime, b.base_image, b.bun_version, WEB_SET)
    lock_path(root / "agents" / "locks", build).write_text(fitting_lock(build))
    return root


def _serve(request: pytest.FixtureRequest, project: Path, register_git: bool) -> Iterator[Api]:
    for cluster, name in _database(request, request.param, register_git):
        jwks = auth.JwksServer([auth.es256_key()])
        keyring = parse_keyring(new_key())
        config = make_config(cluster.server.url_for("launchpad_api", name), jwks.url, keyring, project / "agents")
        app = create_app(config, project=project, rates=RateLimits(10_000, 10_000, 10_000))
        try:
            with TestClient(app) as client:
                yield Api(client, cluster.url(name), request.param, jwks, jwks.keys[0], keyring)
        finally:
            jwks.stop()


@pytest.fixture(scope="module", params=KINDS)
def api(request: pytest.FixtureRequest, project: Path) -> Iterator[Api]:
    """The API over the example fleet: its three agent files in git and registered."""
    yield from _serve(request, project, register_git=True)


@pytest.fixture(scope="session")
def free_project(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same fleet without its three agent files: the design's names are free there."""
    root = tmp_path_factory.mktemp("free")
    shutil.copytree(project / "agents", root / "agents")
    for file in (root / "agents").glob("*.yaml"):
        if file.name != "defaults.yaml":
            file.unlink()
    return root


@pytest.fixture(scope="module", params=KINDS)
def free_api(request: pytest.FixtureRequest, free_project: Path) -> Iterator[Api]:
    """The API over a fleet where the design's three names are free (no such files, no such rows)."""
    yield from _serve(request, free_project, register_git=False)
