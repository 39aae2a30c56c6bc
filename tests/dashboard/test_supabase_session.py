"""Signing in with Supabase Auth, in Debian's chromium, on a stack with a Supabase project (no dev sign-in).

No Supabase Auth server runs here: it is not reachable from this machine's registries (the Go module proxy
refuses github.com/supabase/auth: "403 Forbidden, This module version is not available"), so what can be
checked for real is checked, and nothing answers in Auth's place:
- the page offers Auth's own flows and no dev sign-in, and its password sign-in goes to the stack's project
  (`<SUPABASE_URL>/auth/v1/token?grant_type=password`) with the project's anon key: the request is observed and
  refused (the page says so, and stays signed out);
- a session as auth-js keeps it after a sign-in (localStorage `launchpad-auth`: an access token signed ES256 by
  a key the project's JWKS serves, on loopback, with every claim Supabase Auth writes) is what the page sends:
  the API verifies it against the JWKS and the user's (empty) list shows; signing out forgets it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from playwright.sync_api import Browser, Route, expect

from launchpad.sealed import new_key
from services.api import config as api_config
from tests.api import supabase_auth as auth
from tests.dashboard.browser import chromium, context
from tests.dashboard.build import ROOT, built
from tests.dashboard.servers import ApiServer
from tests.db.conftest import Cluster

pytestmark = pytest.mark.postgres
PROJECT = "https://abcdefghijklmnop.supabase.co"  # auth.ISSUER's project
ANON_KEY = "sb_publishable_dashboard-test-anon-key"
USER = "5b5b5b5b-0000-4000-8000-00000000005b"


@pytest.fixture(scope="module")
def jwks() -> Iterator[auth.JwksServer]:
    server = auth.JwksServer([auth.es256_key()])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(postgresql_migrated: Cluster, jwks: auth.JwksServer,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:  # fmt: skip
    built()
    name = postgresql_migrated.create("supa")
    owner = postgresql_migrated.url(name)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("insert into auth.users (id, email) values (%s, 'sam@example.test')", (USER,))
    found = ApiServer(ROOT, "staging", postgresql_migrated.server.url_for("launchpad_api", name), owner, new_key(),
                      tmp_path_factory.mktemp("api") / "api.log", dev_sign_in=False,
                      extra={api_config.SUPABASE_URL_ENV: PROJECT, api_config.SUPABASE_ANON_KEY_ENV: ANON_KEY,
                             api_config.JWKS_URL_ENV: jwks.url, api_config.JWT_SECRET_ENV: ""})
    found.start()
    yield found
    found.stop()
    postgresql_migrated.drop(name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


def test_the_password_sign_in_goes_to_the_stacks_project(browser: Browser, server: ApiServer) -> None:
    ctx = context(browser, server.base)
    page = ctx.new_page()
    seen: list[dict[str, Any]] = []

    def refuse(route: Route) -> None:
        request = route.request
        seen.append({"url": request.url, "method": request.method, "apikey": request.headers.get("apikey"),
                     "body": json.loads(request.post_data or "{}")})
        route.abort("connectionrefused")

    page.route(f"{PROJECT}/**", refuse)
    try:
        page.goto("/")
        expect(page.get_by_role("heading", name="With your account")).to_be_visible()
        assert page.get_by_role("heading", name="Dev-only sign-in").count() == 0
        page.get_by_label("Email").fill("sam@example.test")
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.locator("#signin-error")).to_be_visible()
        assert seen and seen[0]["url"] == f"{PROJECT}/auth/v1/token?grant_type=password"
        assert seen[0]["method"] == "POST" and seen[0]["apikey"] == ANON_KEY
        assert seen[0]["body"]["email"] == "sam@example.test"
        expect(page.get_by_role("heading", name="Sign in to agent-launchpad")).to_be_visible()
    finally:
        ctx.close()


def _stored_session(jwks: auth.JwksServer) -> str:
    """A session as auth-js stores it after a password sign-in (GoTrueClient._saveSession: the token response)."""
    claims = auth.claims(USER, email="sam@example.test")
    token = auth.mint(claims, jwks.keys[0])
    return json.dumps({
        "access_token": token, "token_type": "bearer", "expires_in": 3600, "expires_at": claims["exp"],
        "refresh_token": uuid.uuid4().hex[:12],
        "user": {"id": USER, "aud": "authenticated", "role": "authenticated", "email": "sam@example.test",
                 "app_metadata": claims["app_metadata"], "user_metadata": {}, "created_at": "2026-12-07T00:00:00Z"},
    })


def test_a_supabase_session_is_what_every_call_carries(browser: Browser, server: ApiServer,
                                                       jwks: auth.JwksServer) -> None:
    ctx = context(browser, server.base)
    ctx.add_init_script(f"localStorage.setItem('launchpad-auth', {json.dumps(_stored_session(jwks))})")
    page = ctx.new_page()
    page.route(f"{PROJECT}/**", lambda route: route.abort("connectionrefused"))  # sign-out's revoke: no server
    calls: list[str] = []
    page.on("request", lambda r: calls.append(f"{r.url} {r.headers.get('authorization', '')[:7]}")
            if "/api/" in r.url else None)
    try:
        page.goto("/")
        expect(page.get_by_role("heading", name="Your agents")).to_be_visible()
        expect(page.get_by_test_id("user-email")).to_have_text("sam@example.test")
        expect(page.get_by_text("You have no agents yet.")).to_be_visible()
        assert page.locator(".devtag").count() == 0
        assert any("/api/agents?" in c and c.endswith("Bearer ") for c in calls), calls
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in to agent-launchpad")).to_be_visible()
        time.sleep(0.5)
        assert page.evaluate("() => localStorage.getItem('launchpad-auth')") is None
    finally:
        ctx.close()
