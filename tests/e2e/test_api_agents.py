"""One fleet, two sources, under the real Pulumi engine (the dev stack, render mode, its own PostgreSQL): an
agent created through the API is deployed by the same `pulumi up` as the agent files in git, with the values
its owner posted in its Secret (sealed in the database, encrypted in the state); an `up` for a change in git
never deletes or changes it; a database the program cannot read stops the `up` before anything changes; a
git file cannot take its name; pause keeps its Secret; a dry run's candidate is previewed, never applied;
deleting it removes its objects. Each test builds on the stack the previous one left."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from fastapi.testclient import TestClient

from launchpad.sealed import new_key, parse_keyring
from services.api.app import create_app
from services.api.config import ApiConfig, AuthConfig, read_fleet
from tests.api import supabase_auth as auth
from tests.e2e.workspace import DB_PASSWORD, Workspace

POLICY = ("--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json")
USER = "5e5e5e5e-0000-4000-8000-000000000001"
NAME = "api-helper"
VALUES = {"OPENAI_API_KEY": "sk-posted-value-e2e-1", "DISCORD_APPLICATION_ID": "998877665544",
          "DISCORD_API_TOKEN": "discord-posted-value-e2e-2"}
BODY = {
    "agentName": NAME,
    "description": "Created through the API.",
    "character": {"name": "Helper", "bio": "Answers the community's questions."},
    "platforms": ["discord"],
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "environment": VALUES,
}


@pytest.fixture(scope="module")
def key() -> str:
    return new_key()


@pytest.fixture(scope="module")
def ws(workspace: Workspace, key: str) -> Workspace:
    workspace.pulumi("config", "set", "--secret", "apiSecretsKey", key, "--stack", "dev")
    workspace.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)  # the schema, the git agents
    with psycopg.connect(workspace.database_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id, email) values (%s, 'e2e@example.test')", (USER,))
    return workspace


@pytest.fixture(scope="module")
def client(ws: Workspace, key: str) -> Iterator[TestClient]:
    url = ws.database_url.replace(f"postgres:{DB_PASSWORD}@", "launchpad_api@")
    config = ApiConfig(
        database_url=url,
        auth=AuthConfig(issuer=auth.ISSUER, hs256_secret=auth.LEGACY_SECRET.encode()),
        keyring=parse_keyring(key),
        fleet=read_fleet(ws.project, "dev"),
    )
    with TestClient(create_app(config, project=ws.project)) as test_client:
        yield test_client


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {auth.mint(auth.claims(USER))}"}


def _objects(ws: Workspace, name: str) -> dict[str, dict[str, Any]]:
    """The rendered manifests of one agent, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for path in ws.rendered_files():
        for doc in yaml.safe_load_all(path.read_text()):
            labels = ((doc or {}).get("metadata") or {}).get("labels") or {}
            if labels.get("launchpad.dev/agent") == name:
                found[doc["kind"]] = doc
    return found


def _agent_resources(ws: Workspace, name: str) -> dict[str, dict[str, Any]]:
    """The agent's resources in the state, by URN, each one's dependencies sorted: an `up` that changes
    nothing of them may still store them, and their dependencies, in another order."""
    return {r["urn"]: {**r, "dependencies": sorted(r.get("dependencies") or [])} for r in ws.resources("dev")
            if r["urn"].rsplit("::", 1)[1] == name or r["urn"].rsplit("::", 1)[1].startswith(f"{name}-")}


def _row(ws: Workspace) -> tuple[Any, ...] | None:
    with psycopg.connect(ws.database_url) as conn:
        return conn.execute("select status, revision, paused, spec, updated_at from public.agents where name = %s",
                            (NAME,)).fetchone()


def test_an_api_agent_is_deployed_by_the_same_up(ws: Workspace, client: TestClient) -> None:
    created = client.post("/api/agents", json=BODY, headers=_headers())
    assert created.status_code == 201, created.text
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    objects = _objects(ws, NAME)
    assert {"Deployment", "Secret", "ConfigMap", "Service", "NetworkPolicy", "ServiceAccount"} <= set(objects)
    assert objects["Deployment"]["metadata"]["namespace"] == f"agent-{NAME}"
    assert objects["Deployment"]["spec"]["replicas"] == 1
    env = {e["name"]: e for e in objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DISCORD_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": f"{NAME}-env", "key": "DISCORD_API_TOKEN"}
    # Render mode writes the Secret's data to build/manifests (git-ignored, dev only): the values posted.
    secret = objects["Secret"]
    data = secret.get("stringData") or {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert {k: data[k] for k in VALUES} == VALUES and "ELIZA_SERVER_AUTH_TOKEN" in data
    state = ws.pulumi("stack", "export", "--stack", "dev").stdout
    assert not any(value in state for value in VALUES.values())  # encrypted in the state
    assert "ciphertext" in state
    assert json.loads(ws.pulumi("stack", "output", "summary", "--stack", "dev", "--json").stdout) == (
        "4 agent(s) valid in 3 file(s) and 1 from the API: 4 namespace(s), 2 tenant(s), 3 image(s) to build")
    # The program never writes an API agent's row: its lifecycle is the control plane's.
    row = _row(ws)
    assert row is not None and row[:3] == ("pending", 1, False)


def test_an_up_for_a_change_in_git_never_touches_the_api_agent(ws: Workspace) -> None:
    before_resources, before_row = _agent_resources(ws, NAME), _row(ws)
    path = ws.project / "agents" / "crypto-trading-bot.yaml"
    path.write_text(path.read_text().replace("never places orders", "never, ever places orders"))
    steps = ws.preview_steps(*POLICY)
    assert steps and not [s for s in steps if NAME in s["urn"]]
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert _agent_resources(ws, NAME) == before_resources
    assert _row(ws) == before_row
    ws.pulumi("preview", "--stack", "dev", "--expect-no-changes", *POLICY)


def test_a_database_the_program_cannot_read_stops_the_up(ws: Workspace) -> None:
    before = ws.resources("dev")
    dead = ws.database_url.rsplit("@", 1)[0] + "@127.0.0.1:1/nowhere"
    ws.pulumi("config", "set", "--secret", "databaseUrl", dead, "--stack", "dev")
    try:
        result = ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY, check=False)
    finally:
        ws.pulumi("config", "set", "--secret", "databaseUrl", ws.database_url, "--stack", "dev")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "cannot read the agents created through the API, so nothing was changed" in output
    assert DB_PASSWORD not in output
    assert ws.resources("dev") == before
    assert _objects(ws, NAME)  # still rendered


def test_a_git_file_cannot_take_the_api_agents_name(ws: Workspace) -> None:
    clash = ws.project / "agents" / "clash.yaml"
    source = (ws.project / "agents" / "crypto-trading-bot.yaml").read_text()
    clash.write_text(source.replace("name: crypto-trading-bot", f"name: {NAME}"))
    try:
        result = ws.pulumi("preview", "--stack", "dev", *POLICY, check=False)
    finally:
        clash.unlink()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"api:{NAME}: name: agent name {NAME!r} is already used by agents/clash.yaml:2" in output


def test_pause_runs_no_pod_and_keeps_the_secret(ws: Workspace, client: TestClient) -> None:
    assert client.post(f"/api/agents/{NAME}/pause", headers=_headers()).status_code == 202
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    objects = _objects(ws, NAME)
    assert objects["Deployment"]["spec"]["replicas"] == 0 and "Secret" in objects
    assert client.post(f"/api/agents/{NAME}/resume", headers=_headers()).status_code == 202
    restarted = client.post(f"/api/agents/{NAME}/restart", headers=_headers()).json()["agent"]["restartedAt"]
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    template = _objects(ws, NAME)["Deployment"]["spec"]["template"]
    assert template["metadata"]["annotations"]["launchpad.dev/restarted-at"].startswith(restarted[:19])
    assert _objects(ws, NAME)["Deployment"]["spec"]["replicas"] == 1


def test_a_dry_run_is_previewed_never_applied(ws: Workspace, client: TestClient) -> None:
    preview = client.patch(f"/api/agents/{NAME}?dryRun=true", headers=_headers(),
                           json={"character": {"name": "Helper", "bio": "A new biography, previewed only."}})
    assert preview.status_code == 202, preview.text
    operation = preview.json()["operation"]["id"]
    env = {"LAUNCHPAD_PREVIEW_OPERATION": operation}
    steps = ws.preview_steps(*POLICY, env=env)
    assert {s["urn"].rsplit("::", 1)[1] for s in steps} >= {f"{NAME}-character", f"{NAME}-deployment"}
    assert all(NAME in s["urn"] for s in steps)
    refused = ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY, check=False, env=env)
    assert refused.returncode != 0
    assert "a dry-run operation is previewed, never applied" in refused.stdout + refused.stderr
    ws.pulumi("preview", "--stack", "dev", "--expect-no-changes", *POLICY)


def test_deleting_it_removes_its_objects(ws: Workspace, client: TestClient) -> None:
    assert client.delete(f"/api/agents/{NAME}", headers=_headers()).status_code == 202
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert _objects(ws, NAME) == {}
    assert _agent_resources(ws, NAME) == {}
    assert _row(ws) is not None  # the deployer removes the row once its `up` succeeded (issue 20, deploy side)
    ws.pulumi("destroy", "--stack", "dev", "--yes", "--skip-preview")
    assert Path(ws.project / "build" / "manifests").exists() is False or ws.rendered_files() == []
