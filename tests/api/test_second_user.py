"""Hostile tenants: user B tries every endpoint on user A's agent and operations, on both databases. B sees
nothing: a 404 that is word for word what a name nobody uses gets, an empty list, no leak of A's id, names,
values or files in any answer; and A's agent is exactly as it was. An administrator (app_metadata only)
sees and manages it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ADMIN, USER_A, USER_B, Api, unique

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def victim(api: Api) -> dict[str, Any]:
    name = unique("victim")
    created = api.create(USER_A, name, description="A's private agent")
    return {"name": name, "operation": created["operation"]["id"]}


def _requests(name: str, operation: str) -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"/api/agents/{name}", None),
        ("GET", f"/api/agents/{name}/status", None),
        ("PATCH", f"/api/agents/{name}", {"description": "B was here"}),
        ("PATCH", f"/api/agents/{name}?dryRun=true", {"description": "B was here"}),
        ("DELETE", f"/api/agents/{name}", None),
        ("DELETE", f"/api/agents/{name}?dryRun=true", None),
        ("POST", f"/api/agents/{name}/pause", None),
        ("POST", f"/api/agents/{name}/resume", None),
        ("POST", f"/api/agents/{name}/restart", None),
        ("POST", f"/api/agents/{name}/scale", {"replicas": 1}),
        ("POST", f"/api/agents/{name}/scale?dryRun=true", {"replicas": 1}),
    ]


def _snapshot(api: Api, name: str) -> tuple[Any, ...]:
    with api.owner() as conn:
        return (
            conn.execute("select revision, status, paused, spec, updated_at from public.agents where name = %s",
                         (name,)).fetchone(),
            conn.execute("select count(*) from public.operations where agent_name = %s", (name,)).fetchone(),
            conn.execute("select count(*), max(v.created_at) from public.agent_secret_values v join public.agents a"
                         " on a.id = v.agent_id where a.name = %s", (name,)).fetchone(),
        )


def _strip(response: Any) -> dict[str, Any]:
    error = dict(response.json()["error"])
    error.pop("timestamp"), error.pop("requestId")
    return error


def test_every_agent_endpoint_is_a_404_for_another_user(api: Api, victim: dict[str, Any]) -> None:
    before = _snapshot(api, victim["name"])
    nobody = "nobody-has-this-name"
    for (method, path, body), (_, nobody_path, _) in zip(_requests(victim["name"], victim["operation"]),
                                                          _requests(nobody, victim["operation"]), strict=True):
        response = api.client.request(method, path, headers=api.as_user(USER_B), json=body)
        assert response.status_code == 404, (method, path, response.text)
        control = api.client.request(method, nobody_path, headers=api.as_user(USER_B), json=body)
        # The same answer as for a name nobody has, but for the name itself.
        assert _strip(response) == {**_strip(control), "message": _strip(control)["message"].replace(
            nobody, victim["name"])}
        assert USER_A not in response.text and "A's private agent" not in response.text
    assert _snapshot(api, victim["name"]) == before


def test_another_users_operation_does_not_exist(api: Api, victim: dict[str, Any]) -> None:
    mine = api.client.get(f"/api/operations/{victim['operation']}", headers=api.as_user(USER_A))
    assert mine.status_code == 200 and mine.json()["agent"] == victim["name"]
    theirs = api.client.get(f"/api/operations/{victim['operation']}", headers=api.as_user(USER_B))
    unknown = api.client.get("/api/operations/00000000-0000-4000-8000-000000000000", headers=api.as_user(USER_B))
    assert theirs.status_code == unknown.status_code == 404
    assert _strip(theirs)["code"] == _strip(unknown)["code"] == "OPERATION_NOT_FOUND"
    assert victim["name"] not in theirs.text


def test_lists_are_empty_for_another_user(api: Api, victim: dict[str, Any]) -> None:
    page = api.client.get("/api/agents?limit=100", headers=api.as_user(USER_B)).json()
    assert victim["name"] not in [a["name"] for a in page["agents"]]
    assert all(a["owner"] == USER_B for a in page["agents"])
    filtered = api.client.get("/api/agents?status=pending&limit=100", headers=api.as_user(USER_B)).json()
    assert victim["name"] not in [a["name"] for a in filtered["agents"]]
    # Naming A as the owner is an administrator's filter: for B a 403, not A's agents.
    assert api.client.get(f"/api/agents?owner={USER_A}", headers=api.as_user(USER_B)).status_code == 403


def test_the_name_is_taken_but_nothing_more_is_said(api: Api, victim: dict[str, Any]) -> None:
    from tests.api.conftest import valid_body

    response = api.client.post("/api/agents", json=valid_body(victim["name"]), headers=api.as_user(USER_B))
    assert response.status_code == 409
    assert _strip(response) == {"code": "NAME_TAKEN",
                                "message": f"agent name {victim['name']!r} is already taken: choose another name",
                                "details": [{"pointer": "/agentName", "message": "already taken"}]}


def test_an_administrator_sees_and_manages_it(api: Api, victim: dict[str, Any]) -> None:
    admin = api.as_user(ADMIN, app_metadata={"provider": "email", "launchpad": {"role": "admin"}})
    assert api.client.get(f"/api/agents/{victim['name']}", headers=admin).status_code == 200
    owned = api.client.get(f"/api/agents?owner={USER_A}&limit=100", headers=admin).json()
    assert victim["name"] in [a["name"] for a in owned["agents"]]
    assert api.client.get(f"/api/operations/{victim['operation']}", headers=admin).status_code == 200
    paused = api.client.post(f"/api/agents/{victim['name']}/pause", headers=admin)
    assert paused.status_code == 202 and paused.json()["agent"]["owner"] == USER_A
    # The operation is the owner's: they follow it too.
    assert api.client.get(paused.json()["operation"]["href"], headers=api.as_user(USER_A)).status_code == 200
