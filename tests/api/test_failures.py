"""When something is wrong on our side: a database that cannot be reached is a 503 with Retry-After (and the
health endpoint says which check failed); a bug is a 500 with a request id to quote, its traceback in the
log and never in the answer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from launchpad.sealed import new_key, parse_keyring
from services.api.agents import service
from services.api.app import create_app
from tests.api import supabase_auth as auth
from tests.api.conftest import USER_A, Api, make_config

pytestmark = pytest.mark.postgres


def test_an_unreachable_database_is_a_503(project: Path) -> None:
    config = make_config("postgresql://launchpad_api@127.0.0.1:1/nowhere", None, parse_keyring(new_key()),
                         project / "agents")
    with TestClient(create_app(config, project=project)) as client:
        headers = {"Authorization": f"Bearer {auth.mint(auth.claims(USER_A))}"}
        response = client.get("/api/agents", headers=headers)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert "127.0.0.1:1" not in response.text and "launchpad_api" not in response.text
        health = client.get("/api/health")
        assert health.status_code == 503
        assert health.json() == {"status": "degraded", "checks": {"database": "unavailable", "auth": "ok"}}


def test_a_bug_is_a_500_with_a_request_id_and_no_traceback(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(service, "get_agent", broken)
    with caplog.at_level(logging.ERROR, logger="launchpad.api"):
        response = api.client.get("/api/agents/anything", headers=api.as_user(USER_A))
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "INTERNAL_ERROR" and error["requestId"] == response.headers["X-Request-Id"]
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert "secret internal detail" in caplog.text and error["requestId"] in caplog.text


def test_health_is_ok_and_says_nothing_more(api: Api) -> None:
    response = api.client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "auth": "ok"}}


def test_the_api_refuses_to_serve_as_a_login_rls_does_not_hold(api: Api, project: Path) -> None:
    """The owner (or any superuser or BYPASSRLS role) would read every user's rows: the API does not start."""
    from services.api.database import ApiStartError

    config = make_config(api.owner_url, None, parse_keyring(new_key()), project / "agents")
    app = create_app(config, project=project)
    with pytest.raises(ApiStartError, match=r"is postgres, which (is a superuser|bypasses row-level security)"):
        app.state.db.check_login()
    with pytest.raises(ApiStartError), TestClient(app):
        pass
