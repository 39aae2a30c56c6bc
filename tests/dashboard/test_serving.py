"""The dashboard on the API's origin: the page at every dashboard path with the stack's public settings and a
strict Content-Security-Policy, hashed assets cached for good and gzipped for clients that take it, nothing
served that the build did not list, the REST API's and the probes' paths never answered by the page; and the
dev-only sign-in, present only where the stack allows it, minting tokens the API then accepts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import psycopg
import pytest
from fastapi.testclient import TestClient

from launchpad.contracts import DEV_SIGN_IN_DATABASE_URL_ENV, DEV_SIGN_IN_ENV
from launchpad.db.repository.dev_users import dev_user_id
from launchpad.sealed import new_key, parse_keyring
from launchpad.settings import StackSettings
from services.api import config as api_config
from services.api.app import create_app
from services.api.config import ApiConfig, AuthConfig, ConfigError, DashboardConfig, DevSignInConfig, FleetConfig
from services.api.ratelimit import RateLimits
from tests.api import supabase_auth as auth
from tests.dashboard.build import ROOT, built
from tests.db.conftest import Cluster

pytestmark = pytest.mark.postgres

SUPABASE_URL = "https://abcdefghijklmnop.supabase.co"
ANON_KEY = "sb_publishable_anon-key-is-public"


def _config(url: str, dist: Path, *, dev: bool, stack_allows: bool = True, owner_url: str = "") -> ApiConfig:
    return ApiConfig(
        database_url=url,
        auth=AuthConfig(issuer=auth.ISSUER, hs256_secret=auth.LEGACY_SECRET.encode()),
        keyring=parse_keyring(new_key()),
        fleet=FleetConfig("dev", StackSettings(database=True, devSignIn=stack_allows), ROOT / "agents"),
        dashboard=DashboardConfig(files=dist, supabase_url=SUPABASE_URL, supabase_anon_key=ANON_KEY,
                                  oauth_providers=("github",), magic_link=True),
        dev_sign_in=DevSignInConfig(owner_url) if dev else None,
    )


@pytest.fixture(scope="module")
def database(postgresql_migrated: Cluster) -> Iterator[tuple[str, str]]:
    """(launchpad_api login, owner login) of a migrated database."""
    name = postgresql_migrated.create("dash")
    try:
        yield postgresql_migrated.server.url_for("launchpad_api", name), postgresql_migrated.url(name)
    finally:
        postgresql_migrated.drop(name)


@pytest.fixture(scope="module")
def client(database: tuple[str, str]) -> Iterator[TestClient]:
    app = create_app(_config(database[0], built(), dev=False), project=ROOT, rates=RateLimits(1000, 1000, 1000))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def dev_client(database: tuple[str, str]) -> Iterator[TestClient]:
    config = _config(database[0], built(), dev=True, owner_url=database[1])
    with TestClient(create_app(config, project=ROOT, rates=RateLimits(1000, 1000, 1000))) as test_client:
        yield test_client


def _page_settings(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="launchpad-config" type="application/json">(.*?)</script>', html)
    assert found, html
    settings: dict[str, Any] = json.loads(found.group(1))
    return settings


@pytest.mark.parametrize("path", ["/", "/agents/new", "/agents/crypto-trading-bot", "/sign-in", "/agents/x?y=1"])
def test_every_dashboard_path_is_the_page_with_the_stacks_settings(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert _page_settings(response.text) == {
        "stack": "dev", "supabaseUrl": SUPABASE_URL, "supabaseAnonKey": ANON_KEY, "oauthProviders": ["github"],
        "magicLink": True, "devSignIn": False,
    }
    manifest = json.loads((built() / "manifest.json").read_text())
    assert f'<script type="module" src="{manifest["entry"]}"></script>' in response.text


def test_the_page_may_load_and_talk_to_this_origin_and_supabase_auth_only(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    assert csp == ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   f"connect-src 'self' {SUPABASE_URL}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    html = client.get("/").text
    # Nothing from elsewhere: every src/href is this origin's (or a data: URL).
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith("/") or ref.startswith("data:"), ref


def test_assets_are_immutable_and_gzipped_for_clients_that_take_it(client: TestClient) -> None:
    manifest = json.loads((built() / "manifest.json").read_text())
    for url, facts in manifest["files"].items():
        if not url.startswith("/assets/"):
            continue
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        assert len(plain.content) == facts["bytes"]
        assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
        zipped = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
        assert int(zipped.headers["content-length"]) == facts["gzip"]
        assert zipped.content == plain.content  # the client decompresses it
    js = [f for u, f in manifest["files"].items() if u.endswith(".js")]
    assert js and all(f["gzip"] < f["bytes"] / 2 for f in js)


@pytest.mark.parametrize("path", ["/assets/manifest.json", "/assets/..%2Fmanifest.json", "/assets/nope.js",
                                  "/assets/main.js", "/assets/%2E%2E%2Fmanifest.json"])
def test_only_what_the_build_listed_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("path", ["/api/nope", "/api/agents/x/y/z", "/assets"])
def test_the_api_paths_are_never_the_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == {**response.json()["error"], "code": "NOT_FOUND",
                                         "message": f"no such endpoint: {path}"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_probes_answer_themselves(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-type"] == "application/json" and "launchpad-config" not in response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_page_paths_stay_json_404s(client: TestClient, method: str) -> None:
    response = client.request(method, "/agents/x")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_a_checkout_without_a_build_says_how_to_build_it(database: tuple[str, str], tmp_path: Path) -> None:
    app = create_app(_config(database[0], tmp_path / "dist", dev=False), project=ROOT)
    with TestClient(app) as test_client:
        response = test_client.get("/")
    assert response.status_code == 503
    assert "bash scripts/dashboard-build.sh" in response.text


def test_without_the_dev_sign_in_there_is_no_such_endpoint(client: TestClient) -> None:
    response = client.post("/api/dev/sign-in", json={"email": "a@example.test"})
    assert response.status_code == 404
    assert "/api/dev/sign-in" not in json.dumps(client.get("/api/openapi.json").json())


def test_the_dev_sign_in_mints_a_token_the_api_accepts(dev_client: TestClient, database: tuple[str, str]) -> None:
    assert _page_settings(dev_client.get("/").text)["devSignIn"] is True
    response = dev_client.post("/api/dev/sign-in", json={"email": "Dev.User@Example.test"})
    assert response.status_code == 200, response.text
    session = response.json()
    user = dev_user_id("dev.user@example.test")
    assert session["user"] == {"id": user, "email": "dev.user@example.test"}
    assert session["token_type"] == "bearer" and 3500 < session["expires_in"] <= 3600
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert claims["sub"] == user and claims["role"] == "authenticated" and claims["iss"] == auth.ISSUER
    listed = dev_client.get("/api/agents", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert listed.status_code == 200 and listed.json()["agents"] == []
    with psycopg.connect(database[1]) as conn:
        row = conn.execute("select email from auth.users where id = %s", (user,)).fetchone()
    assert row == ("dev.user@example.test",)
    again = dev_client.post("/api/dev/sign-in", json={"email": "dev.user@example.test"}).json()
    assert again["user"]["id"] == user  # the same user every time


@pytest.mark.parametrize("body", [{"email": "not-an-email"}, {"email": 3}, {}, {"email": "a@b.c", "admin": True}])
def test_the_dev_sign_in_says_what_it_needs(dev_client: TestClient, body: dict[str, Any]) -> None:
    response = dev_client.post("/api/dev/sign-in", json=body)
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details in ([{"pointer": "/email", "message": "an email address, e.g. you@example.com"}],
                       [{"pointer": "", "message": 'send {"email": "you@example.com"}'}])


def test_a_stack_that_does_not_allow_it_cannot_turn_it_on(database: tuple[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"does not allow the dev sign-in \(agent-launchpad:devSignIn"):
        _config(database[0], built(), dev=True, stack_allows=False, owner_url=database[1])
    env = {api_config.DATABASE_URL_ENV: database[0], api_config.SECRETS_KEY_ENV: new_key(),
           api_config.ISSUER_ENV: auth.ISSUER, api_config.STACK_ENV: "staging",
           api_config.JWT_SECRET_ENV: auth.LEGACY_SECRET, api_config.PROJECT_DIR_ENV: str(ROOT),
           DEV_SIGN_IN_ENV: "true", DEV_SIGN_IN_DATABASE_URL_ENV: database[1]}
    with pytest.raises(ConfigError, match=r"Pulumi.staging.yaml does not allow the dev sign-in"):
        api_config.from_env(env)
    env[api_config.STACK_ENV] = "dev"
    assert api_config.from_env(env).dev_sign_in is not None  # Pulumi.dev.yaml allows it
    del env[DEV_SIGN_IN_DATABASE_URL_ENV]
    with pytest.raises(ConfigError, match="needs LAUNCHPAD_DEV_SIGN_IN_DATABASE_URL"):
        api_config.from_env(env)
