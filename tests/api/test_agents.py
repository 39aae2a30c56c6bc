"""/api/agents end to end on both databases: a change is a row, its sealed secrets and its operation in one
transaction; a refusal leaves none of them; what comes back never holds a secret value; agents in git are
changed in git (409 naming the file); ETag/If-Match, Idempotency-Key, dry runs."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from launchpad.sealed import unseal
from tests.api.conftest import USER_A, Api, unique, valid_body

pytestmark = pytest.mark.postgres

SECRET_VALUES = ("discord-token-value-never-shown", "sk-openai-value-never-shown", "111122223333")


def _rows(api: Api, name: str) -> dict[str, Any]:
    """What the database holds of an agent, read as its owner role (the tests' view, not a user's)."""
    with api.owner() as conn:
        agent = conn.execute("select status, revision, paused, spec, source, fleet, stack from public.agents"
                             " where name = %s", (name,)).fetchone()
        secrets = conn.execute("select s.env_name, s.source from public.agent_secrets s join public.agents a"
                               " on a.id = s.agent_id where a.name = %s order by 1", (name,)).fetchall()
        sealed = conn.execute("select v.env_name, v.key_id, v.ciphertext, v.user_id::text from"
                              " public.agent_secret_values v join public.agents a on a.id = v.agent_id"
                              " where a.name = %s order by 1", (name,)).fetchall()
        operations = conn.execute("select kind, state, dry_run, agent_revision, candidate from public.operations"
                                  " where agent_name = %s order by created_at", (name,)).fetchall()
    return {"agent": agent, "secrets": secrets, "sealed": sealed, "operations": operations}


def test_create_writes_the_row_its_sealed_secrets_and_its_operation(api: Api) -> None:
    name = unique()
    response = api.client.post("/api/agents", json=valid_body(name), headers=api.as_user(USER_A))
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/api/agents/{name}" and response.headers["ETag"] == '"1"'
    body = response.json()
    agent, operation = body["agent"], body["operation"]
    assert agent["source"] == "api" and agent["status"] == "pending" and agent["owner"] == USER_A
    assert agent["namespace"] == f"agent-{name}" and agent["stack"] == "dev"
    # Resolved as the program resolves it: the platform's plugins pinned, the fleet defaults merged.
    assert agent["plugins"] == ["@elizaos/plugin-sql@1.7.2", "@elizaos/plugin-bootstrap@1.7.2",
                                "@elizaos/plugin-openai@1.6.0", "@elizaos/plugin-discord@1.3.8"]
    assert agent["resources"] == {"requests": {"cpu": "500m", "memory": "640Mi", "ephemeral-storage": "256Mi"},
                                  "limits": {"cpu": "2", "memory": "1Gi", "ephemeral-storage": "2560Mi"}}
    assert agent["environment"] == ["DISCORD_API_TOKEN", "DISCORD_APPLICATION_ID", "OPENAI_API_KEY"]
    assert operation["kind"] == "create" and operation["state"] == "queued" and not operation["dryRun"]
    stored = _rows(api, name)
    assert stored["agent"][:3] == ("pending", 1, False) and stored["agent"][4:] == ("api", "dev", "dev")
    spec = stored["agent"][3]
    assert spec["secrets"] == {k: {"stored": True} for k in agent["environment"]}
    assert spec["owner"] == USER_A and spec["platforms"] == {"discord": {}}
    assert stored["secrets"] == [(k, "api") for k in agent["environment"]]
    assert stored["operations"] == [("create", "queued", False, 1, None)]
    # The values: sealed, each opening only as itself with the key, never in the row, spec or response.
    for env, key_id, blob, owner in stored["sealed"]:
        value = unseal(api.keyring, key_id, bytes(blob), owner, name, env)
        assert value == valid_body(name)["environment"][env]
        assert value.encode() not in bytes(blob)
    everything = json.dumps([body, stored["agent"], stored["secrets"]], default=str)
    assert not any(v in everything for v in SECRET_VALUES)


def test_get_list_and_status(api: Api) -> None:
    name = unique()
    api.create(USER_A, name)
    got = api.client.get(f"/api/agents/{name}", headers=api.as_user(USER_A))
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'
    assert got.json()["environment"] == ["DISCORD_API_TOKEN", "DISCORD_APPLICATION_ID", "OPENAI_API_KEY"]
    assert not any(v in got.text for v in SECRET_VALUES)
    page = api.client.get("/api/agents?status=pending&limit=100", headers=api.as_user(USER_A)).json()
    assert name in [a["name"] for a in page["agents"]] and page["limit"] == 100
    assert all(a["owner"] == USER_A for a in page["agents"])
    status = api.client.get(f"/api/agents/{name}/status", headers=api.as_user(USER_A)).json()
    assert status["status"] == "pending" and status["replicas"] == {"min": 1, "max": 1}
    assert status["lastOperation"]["kind"] == "create" and status["observed"] is None


def test_pagination(api: Api) -> None:
    user = "0a0a0a0a-0000-4000-8000-0000000000f1"
    with api.owner() as conn:
        conn.execute("insert into auth.users (id) values (%s)", (user,))
    names = sorted(unique("page") for _ in range(5))
    for name in names:
        api.create(user, name)
    headers = api.as_user(user)
    first = api.client.get("/api/agents?limit=2", headers=headers).json()
    second = api.client.get("/api/agents?limit=2&offset=2", headers=headers).json()
    last = api.client.get("/api/agents?limit=2&offset=4", headers=headers).json()
    beyond = api.client.get("/api/agents?limit=2&offset=10", headers=headers).json()
    assert [a["name"] for a in first["agents"] + second["agents"] + last["agents"]] == names
    assert first["total"] == second["total"] == last["total"] == beyond["total"] == 5 and beyond["agents"] == []
    bad = api.client.get("/api/agents?limit=1001&offset=-1&status=sleeping", headers=headers)  # a page: <= 1,000
    assert bad.status_code == 400
    assert {d["parameter"] for d in bad.json()["error"]["details"]} == {"limit", "offset", "status"}


def test_patch_is_a_merge_patch_validated_like_a_file(api: Api) -> None:
    name = unique()
    api.create(USER_A, name, platforms=["web"], environment={"OPENAI_API_KEY": "sk-1"},
               supabase_config={"database_url": "postgresql://u:pw-never-shown@db.example:5432/agent"})
    headers = {**api.as_user(USER_A), "If-Match": '"1"'}
    changed = api.client.patch(f"/api/agents/{name}", headers=headers, json={
        "resources": {"memory": "2Gi", "cpu": "1000m"}, "scaling": {"minReplicas": 2, "maxReplicas": 4,
                                                                     "targetCPU": 70}})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    agent = changed.json()["agent"]
    # what the request gave, and the platform's ephemeral storage (agents/defaults.yaml: not the user's to set)
    assert agent["resources"] == {"requests": {"cpu": "1000m", "memory": "2Gi", "ephemeral-storage": "256Mi"},
                                  "limits": {"cpu": "1000m", "memory": "2Gi", "ephemeral-storage": "2560Mi"}}
    assert agent["scaling"] == {"minReplicas": 2, "maxReplicas": 4, "targetCPU": 70}
    assert agent["environment"] == ["OPENAI_API_KEY", "POSTGRES_URL"]
    assert changed.json()["operation"]["kind"] == "update"
    # A stale ETag is refused; the agent is unchanged.
    stale = api.client.patch(f"/api/agents/{name}", headers=headers, json={"scaling": {"maxReplicas": 3}})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    # The merge patch keeps what it does not name (targetCPU) and the rules still apply, at the patch's pointers.
    refused = api.client.patch(f"/api/agents/{name}", headers=api.as_user(USER_A), json={
        "scaling": {"maxReplicas": 1}, "platforms": ["discord", "web"], "environment": {"POSTGRES_URL": None}})
    assert refused.status_code == 400
    pointers = {d["pointer"] for d in refused.json()["error"]["details"]}
    assert pointers == {"/scaling/maxReplicas", "/platforms/0"}
    assert _rows(api, name)["agent"][1] == 2  # nothing changed
    # Secrets: a value replaced, one removed with null.
    done = api.client.patch(f"/api/agents/{name}", headers=api.as_user(USER_A),
                            json={"environment": {"OPENAI_API_KEY": "sk-2", "POSTGRES_URL": None},
                                  "scaling": {"minReplicas": 1, "maxReplicas": 1, "targetCPU": None}})
    assert done.status_code == 200, done.text
    assert done.json()["agent"]["environment"] == ["OPENAI_API_KEY"]
    sealed = _rows(api, name)["sealed"]
    assert [(env, unseal(api.keyring, k, bytes(b), o, name, env)) for env, k, b, o in sealed] == [
        ("OPENAI_API_KEY", "sk-2")]
    renamed = api.client.patch(f"/api/agents/{name}", headers=api.as_user(USER_A), json={"agentName": "other"})
    assert renamed.status_code == 400 and renamed.json()["error"]["details"][0]["pointer"] == "/agentName"


def test_pause_resume_restart_scale_and_delete(api: Api) -> None:
    name = unique()
    api.create(USER_A, name, platforms=["web"], environment={"OPENAI_API_KEY": "sk-1"},
               supabase_config={"database_url": "postgresql://u:p@db.example:5432/agent"})
    headers = api.as_user(USER_A)
    paused = api.client.post(f"/api/agents/{name}/pause", headers=headers)
    assert paused.status_code == 202 and paused.json()["agent"]["paused"] is True
    status = api.client.get(f"/api/agents/{name}/status", headers=headers).json()
    assert status["replicas"] == {"min": 0, "max": 0} and status["lastOperation"]["kind"] == "pause"
    assert api.client.post(f"/api/agents/{name}/resume", headers=headers).json()["agent"]["paused"] is False
    restarted = api.client.post(f"/api/agents/{name}/restart", headers=headers).json()
    assert restarted["agent"]["restartedAt"] is not None and restarted["operation"]["kind"] == "restart"
    scaled = api.client.post(f"/api/agents/{name}/scale", headers=headers, json={"replicas": 3})
    assert scaled.status_code == 202, scaled.text
    assert scaled.json()["agent"]["scaling"] == {"minReplicas": 3, "maxReplicas": 3}
    assert api.client.post(f"/api/agents/{name}/scale", headers=headers, json={"replicas": 0}).status_code == 400
    gone = api.client.delete(f"/api/agents/{name}", headers=headers)
    assert gone.status_code == 202 and gone.json()["agent"]["status"] == "deleting"
    again = api.client.delete(f"/api/agents/{name}", headers=headers)
    assert again.status_code == 202 and again.json()["operation"]["id"] == gone.json()["operation"]["id"]
    assert api.client.post(f"/api/agents/{name}/pause", headers=headers).status_code == 409
    kinds = [(k, r) for k, _, _, r, _ in _rows(api, name)["operations"]]
    assert kinds == [("create", 1), ("pause", 2), ("resume", 3), ("restart", 4), ("update", 5), ("delete", 6)]


def test_a_refusal_leaves_no_row_no_operation_no_secret(api: Api) -> None:
    name = unique()
    body = valid_body(name, platforms=["discord", "telegram"], scaling={"minReplicas": 1, "maxReplicas": 3})
    response = api.client.post("/api/agents", json=body, headers=api.as_user(USER_A))
    assert response.status_code == 400
    assert _rows(api, name) == {"agent": None, "secrets": [], "sealed": [], "operations": []}
    assert not any(v in response.text for v in SECRET_VALUES)


def test_dry_run_queues_a_preview_and_changes_nothing(api: Api) -> None:
    name = unique()
    preview = api.client.post("/api/agents?dryRun=true", json=valid_body(name), headers=api.as_user(USER_A))
    assert preview.status_code == 202, preview.text
    assert preview.json()["dryRun"] is True and preview.json()["agent"]["status"] == "pending"
    stored = _rows(api, name)
    assert stored["agent"] is None and stored["sealed"] == []
    ((kind, state, dry_run, _, candidate),) = stored["operations"]
    assert (kind, state, dry_run) == ("create", "queued", True)
    assert candidate["spec"]["secrets"] == {k: {"stored": True} for k in valid_body(name)["environment"]}
    assert not any(v in json.dumps(candidate) for v in SECRET_VALUES)
    operation = api.client.get(preview.json()["operation"]["href"], headers=api.as_user(USER_A)).json()
    assert operation["dryRun"] is True and operation["candidate"]["spec"]["name"] == name
    api.create(USER_A, name)
    patch = api.client.patch(f"/api/agents/{name}?dryRun=true", headers=api.as_user(USER_A),
                             json={"description": "would change"})
    assert patch.status_code == 202 and patch.json()["agent"]["description"] == "would change"
    assert api.client.get(f"/api/agents/{name}", headers=api.as_user(USER_A)).json()["description"] != "would change"
    assert _rows(api, name)["agent"][1] == 1


def test_idempotency_key_replays_the_first_answer(api: Api) -> None:
    name = unique()
    headers = {**api.as_user(USER_A), "Idempotency-Key": f"create-{name}"}
    first = api.client.post("/api/agents", json=valid_body(name), headers=headers)
    second = api.client.post("/api/agents", json=valid_body(name), headers={**api.as_user(USER_A),
                                                                            "Idempotency-Key": f"create-{name}"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert len(_rows(api, name)["operations"]) == 1
    other = api.client.post("/api/agents", json=valid_body(name, description="else"), headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    with api.owner() as conn:  # the request's fingerprint is keyed: no digest of a secret value is stored
        (fingerprint,) = conn.execute("select fingerprint from public.api_idempotency_keys where key = %s",
                                      (f"create-{name}",)).fetchone() or ("",)
    assert len(fingerprint) == 64


def test_git_agents_are_changed_in_git(api: Api) -> None:
    """The example fleet's files are registered; their owner sees them, changes them only in git (409 naming
    the file); nobody takes their names."""
    owner = "7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21"  # agents/crypto-trading-bot.yaml's
    headers = api.as_user(owner)
    got = api.client.get("/api/agents/crypto-trading-bot", headers=headers)
    assert got.status_code == 200 and got.json()["source"] == "git"
    assert got.json()["file"] == "agents/crypto-trading-bot.yaml"
    for method, path, body in (("PATCH", "", {"description": "x"}), ("DELETE", "", None), ("POST", "/pause", None),
                               ("POST", "/scale", {"replicas": 1}), ("POST", "/restart", None)):
        response = api.client.request(method, f"/api/agents/crypto-trading-bot{path}", headers=headers, json=body)
        assert response.status_code == 409, (method, path, response.text)
        assert response.json()["error"]["code"] == "AGENT_IN_GIT"
        assert "agents/crypto-trading-bot.yaml" in response.json()["error"]["message"]
    for user in (owner, USER_A):
        taken = api.client.post("/api/agents", json=valid_body("crypto-trading-bot"), headers=api.as_user(user))
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "NAME_TAKEN_BY_GIT"
        assert "agents/crypto-trading-bot.yaml" in taken.json()["error"]["message"]


def test_a_name_is_unique_across_users(api: Api) -> None:
    name = unique()
    api.create(USER_A, name)
    other = "0b0b0b0b-0000-4000-8000-00000000000b"
    taken = api.client.post("/api/agents", json=valid_body(name), headers=api.as_user(other))
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "NAME_TAKEN"
    assert USER_A not in taken.text  # taken, by whom is not said


def test_the_database_refuses_what_the_api_would_not_do(api: Api) -> None:
    """Defence in depth: the API's own role cannot write another user's rows with a user's claims, and reads
    no ciphertext; a user (PostgREST's role) changes no agent directly."""
    name = unique()
    api.create(USER_A, name)
    url = api.owner_url.replace("postgresql://postgres@", "postgresql://launchpad_api@")
    claims = json.dumps({"sub": "0b0b0b0b-0000-4000-8000-00000000000b", "role": "authenticated"})
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction(force_rollback=True):
            conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
            assert conn.execute("update public.agents set paused = true where name = %s", (name,)).rowcount == 0
        with conn.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select ciphertext from public.agent_secret_values")
        with conn.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select set_config('request.jwt.claims', %s, true)",
                         (json.dumps({"sub": USER_A, "role": "authenticated"}),))
            conn.execute("set local role authenticated")
            conn.execute("update public.agents set paused = true where name = %s", (name,))


def test_the_database_url_says_where_the_agents_egress_goes(api: Api) -> None:
    """An agent file names its database's host and port (`database:`) for its NetworkPolicy; through the API the
    URL is posted, so its host and port become that field, in either libpq form. A URL with no network host,
    several hosts or a bad port is refused at its pointer without echoing the value (it holds a password)."""
    name = unique()
    api.create(USER_A, name, platforms=["web"], environment={"OPENAI_API_KEY": "sk-1"},
               supabase_config={"database_url": "postgresql://u:pw-never-shown@db.example:6543/agent"})
    assert _rows(api, name)["agent"][3]["database"] == {"host": "db.example", "port": 6543}
    other = unique()
    api.create(USER_A, other, platforms=["web"],
               environment={"OPENAI_API_KEY": "sk-1", "POSTGRES_URL": "host=10.0.0.7 user=u password=pw-never-shown"})
    assert _rows(api, other)["agent"][3]["database"] == {"host": "10.0.0.7", "port": 5432}
    refused = {
        "postgresql://u:pw-never-shown@/agent?host=/var/run/postgresql": "/supabase_config/database_url",
        "postgresql://u:pw-never-shown@a.example,b.example/agent": "/supabase_config/database_url",
        "postgresql://u:pw-never-shown@db.example:99999/agent": "/supabase_config/database_url",
        "not a url pw-never-shown": "/supabase_config/database_url",
    }
    for url, pointer in refused.items():
        body = valid_body(unique(), platforms=["web"], environment={"OPENAI_API_KEY": "sk-1"},
                          supabase_config={"database_url": url})
        response = api.client.post("/api/agents", json=body, headers=api.as_user(USER_A))
        assert response.status_code in (400, 422), (url, response.text)
        assert [d["pointer"] for d in response.json()["error"]["details"]] == [pointer], response.text
        assert "pw-never-shown" not in response.text
