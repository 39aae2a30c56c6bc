"""The API's limits (services/api/limits.py): rates per user with their headers and a 429 with Retry-After,
a source of refused tokens blocked, quotas per user (app_metadata can raise them, user_metadata cannot),
bodies bounded in size and shape before anything reads them, the error envelope with a request id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api import limits
from services.api.app import create_app
from services.api.ratelimit import RateLimits
from tests.api import supabase_auth as auth
from tests.api.conftest import USER_A, USER_B, Api, make_config, unique, valid_body

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def strict(api: Api, project: Any) -> Iterator[TestClient]:
    """The same API with small rates: 3 changes, 5 reads, 2 refused tokens a minute."""
    url = api.owner_url.replace("postgresql://postgres@", "postgresql://launchpad_api@")
    config = make_config(url, api.jwks.url, api.keyring, project / "agents")
    with TestClient(create_app(config, project=project, rates=RateLimits(3, 5, 2))) as client:
        yield client


def test_rates_are_announced_and_enforced_per_user(api: Api, strict: TestClient) -> None:
    seen = [strict.get("/api/agents", headers=api.as_user(USER_A)) for _ in range(5)]
    assert [r.status_code for r in seen] == [200] * 5
    assert [r.headers["X-RateLimit-Remaining"] for r in seen] == ["4", "3", "2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in seen} == {"5"}
    over = strict.get("/api/agents", headers=api.as_user(USER_A))
    assert over.status_code == 429 and over.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(over.headers["Retry-After"]) <= 60 and over.headers["X-RateLimit-Remaining"] == "0"
    assert strict.get("/api/agents", headers=api.as_user(USER_B)).status_code == 200  # B has a window of its own
    changes = [strict.post(f"/api/agents/nope-{i}/pause", headers=api.as_user(USER_B)) for i in range(4)]
    assert [r.status_code for r in changes] == [404, 404, 404, 429]


def test_a_source_of_refused_tokens_is_blocked(api: Api, strict: TestClient) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    assert [strict.get("/api/agents", headers=bad).status_code for _ in range(2)] == [401, 401]
    blocked = strict.get("/api/agents", headers=api.as_user(USER_A))  # even a good token, for the minute
    assert blocked.status_code == 429 and "refused tokens" in blocked.json()["error"]["message"]


def test_quotas_default_and_raised_by_app_metadata_only(api: Api) -> None:
    user = "0a0a0a0a-0000-4000-8000-0000000000f2"
    with api.owner() as conn:
        conn.execute("insert into auth.users (id) values (%s)", (user,))
    one = {"provider": "email", "launchpad": {"quota": {"agents": 1, "replicas": 1, "memory": "1Gi"}}}
    first, second = unique("quota"), unique("quota")
    assert api.client.post("/api/agents", json=valid_body(first),
                           headers=api.as_user(user, app_metadata=one)).status_code == 201
    refused = api.client.post("/api/agents", json=valid_body(second), headers=api.as_user(user, app_metadata=one))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "QUOTA_EXCEEDED"
    assert {d["pointer"] for d in refused.json()["error"]["details"]} == {"", "/scaling/maxReplicas",
                                                                         "/resources/memory"}
    # user_metadata is the user's own: it raises nothing.
    claims = {"app_metadata": one, "user_metadata": {"launchpad": {"quota": {"agents": 100}}}}
    assert api.client.post("/api/agents", json=valid_body(second),
                           headers=api.as_user(user, **claims)).status_code == 403
    # Pausing frees replicas and memory, not the agent's place.
    assert api.client.post(f"/api/agents/{first}/pause", headers=api.as_user(user, app_metadata=one)).status_code == 202
    again = api.client.post("/api/agents", json=valid_body(second), headers=api.as_user(user, app_metadata=one))
    assert [d["pointer"] for d in again.json()["error"]["details"]] == [""]
    default = api.client.post("/api/agents", json=valid_body(second), headers=api.as_user(user))
    assert default.status_code == 201  # without the override: the default quota of 10 agents
    assert limits.QUOTA_AGENTS == 10


def test_bodies_are_bounded_before_they_are_read(api: Api) -> None:
    headers = {**api.as_user(USER_A), "Content-Type": "application/json"}
    cases: dict[str, tuple[bytes, int, str]] = {
        "too large": (b'{"agentName": "' + b"a" * limits.MAX_BODY_BYTES + b'"}', 413, ""),
        "brackets": (b"[" * 30_000 + b"]" * 30_000, 400, ""),
        "deep": (json.dumps(_nested(20)).encode(), 400, "/character" + "/x" * 12),
        "long string": (json.dumps(valid_body("long", description="d" * 9000)).encode(), 400, "/description"),
        "many items": (json.dumps(valid_body("many", plugins=["p"] * 300)).encode(), 400, "/plugins"),
        "many values": (json.dumps(valid_body("vals", environment={f"V{i}": "x" for i in range(65)})).encode(),
                        400, "/environment"),
        "a long value": (json.dumps(valid_body("val", environment={"OPENAI_API_KEY": "\u20ac" * 8192})).encode(), 400,
                         "/environment/OPENAI_API_KEY"),
        "not JSON": (b"agentName=x", 400, ""),
        "not UTF-8": (b'{"agentName": "\xff"}', 400, ""),
        "not an object": (b"[1, 2]", 400, ""),
    }
    for case, (content, status, pointer) in cases.items():
        response = api.client.post("/api/agents", content=content, headers=headers)
        assert response.status_code == status, (case, response.text[:300])
        if status == 400:
            assert pointer in [d["pointer"] for d in response.json()["error"]["details"]], case
    form = api.client.post("/api/agents", content=b"a=b", headers={**api.as_user(USER_A),
                                                                   "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415


def _nested(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    node = inner
    for _ in range(depth):
        node["x"] = {}
        node = node["x"]
    return valid_body("deep", character=inner)


def test_anonymous_sign_ins_read_but_do_not_change(api: Api) -> None:
    headers = api.as_user(USER_A, is_anonymous=True, amr=[{"method": "anonymous", "timestamp": 0}])
    assert api.client.get("/api/agents", headers=headers).status_code == 200
    response = api.client.post("/api/agents", json=valid_body(unique()), headers=headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"


def test_errors_carry_a_request_id_and_never_a_traceback(api: Api) -> None:
    response = api.client.get("/api/agents/x/nothing-here", headers={**api.as_user(USER_A), "X-Request-Id": "abc-1"})
    assert response.status_code == 404 and response.headers["X-Request-Id"] == "abc-1"
    assert response.json()["error"]["requestId"] == "abc-1" and response.json()["error"]["code"] == "NOT_FOUND"
    generated = api.client.get("/api/agents", headers={**api.as_user(USER_A), "X-Request-Id": "bad id\n"})
    assert generated.headers["X-Request-Id"] != "bad id\n" and len(generated.headers["X-Request-Id"]) == 36
    key = api.client.post("/api/agents", json=valid_body(unique()), headers={**api.as_user(USER_A),
                                                                              "Idempotency-Key": "k" * 300})
    assert key.status_code == 400 and key.json()["error"]["details"][0]["parameter"] == "Idempotency-Key"
    assert auth.ISSUER not in key.text
