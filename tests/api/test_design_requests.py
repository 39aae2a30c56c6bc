"""The design's three `POST /api/agents` requests, sent byte for byte as its curl lines send them
(tests/api/design_requests.py): where git holds their names (the example fleet), a 409 naming the file;
where the names are free, refused field by field with the rules' own messages, each at its JSON pointer,
and nothing written; and, changed where the real system says so, accepted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import USER_A, Api
from tests.api.design_requests import APIKEY_HEADER, CREATE_BODIES, SCALE_PATCH

pytestmark = pytest.mark.postgres

PINNED = ("must be an npm package pinned to an exact version, e.g. '@elizaos/plugin-discord@1.3.8' (ranges and "
          "tags such as ^1.3, latest float and are refused)")
PERSONALITY = ("`personality` is not allowed here: elizaOS 1.7.2 characters have no `personality`: describe it with "
               "`adjectives` (a list of traits) and `style`, or in `system` (the system prompt)")
MODEL = ("required field is missing: the model the agent talks to, e.g. `model: {provider: openai, name: "
         "gpt-4o-mini}`")
PROJECT_REF = ("no elizaOS 1.7.2 plugin reads a Supabase project ref: the agent's database is "
               "`supabase_config.database_url` (kept sealed, as POSTGRES_URL); remove project_ref")

REFUSED: dict[str, list[dict[str, str]]] = {
    "crypto-trading-bot": [
        {"pointer": "/supabase_config/project_ref", "message": PROJECT_REF},
        {"pointer": "/character/personality", "message": PERSONALITY},
        {"pointer": "/model", "message": MODEL},
        {"pointer": "/plugins/1", "message": PINNED},  # @elizaos/plugin-web3: no such package on npm
        {"pointer": "/plugins/2", "message": PINNED},  # @elizaos/plugin-coingecko: published, not pinned
    ],
    "support-assistant": [
        {"pointer": "/supabase_config/project_ref", "message": PROJECT_REF},
        {"pointer": "/supabase_config/tables", "message": "plugin-sql 1.7.2 creates and names the agent's tables "
         "itself (memories, rooms, ...): table names cannot be given; remove tables"},
        {"pointer": "/character/personality", "message": PERSONALITY},
        {"pointer": "/model", "message": MODEL},
        {"pointer": "/plugins/1", "message": PINNED},
        {"pointer": "/plugins/2", "message": PINNED},
    ],
    "omni-agent": [
        {"pointer": "/supabase_config/project_ref", "message": PROJECT_REF},
        {"pointer": "/supabase_config/real_time", "message": "no elizaOS 1.7.2 plugin publishes to Supabase Realtime "
         "channels: follow the agent through this API (GET /api/agents/{name}/status, /api/operations/{id}); "
         "remove real_time"},
        {"pointer": "/supabase_config/storage", "message": "no elizaOS 1.7.2 plugin reads or writes a Supabase "
         "Storage bucket; remove storage"},
        {"pointer": "/character/personality", "message": PERSONALITY},
        {"pointer": "/model", "message": MODEL},
        {"pointer": "/plugins/3", "message": PINNED},
        {"pointer": "/plugins/4", "message": PINNED},
    ],
}


def _post(api: Api, body: str | dict[str, Any]) -> Any:
    headers = {**api.as_user(USER_A), **APIKEY_HEADER, "Content-Type": "application/json"}
    return api.client.post("/api/agents", content=body if isinstance(body, str) else json.dumps(body), headers=headers)


def _nothing_written(api: Api, name: str) -> bool:
    with api.owner() as conn:
        counts = [conn.execute(f"select count(*) from public.{table} where {column} = %s", (name,)).fetchone()
                  for table, column in (("agents", "name"), ("operations", "agent_name"))]
        sealed = conn.execute("select count(*) from public.agent_secret_values").fetchone()
    return counts == [(0,), (0,)] and sealed == (0,)


@pytest.mark.parametrize("name", list(CREATE_BODIES))
def test_where_git_holds_the_name_a_409_names_the_file(api: Api, name: str) -> None:
    response = _post(api, CREATE_BODIES[name])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "NAME_TAKEN_BY_GIT"
    assert error["message"] == (f"agent name {name!r} is taken by the agent file agents/{name}.yaml in git: choose "
                                "another name (an agent in git is changed through git)")
    assert error["details"] == [{"pointer": "/agentName", "message": f"defined in git by agents/{name}.yaml"}]


@pytest.mark.parametrize("name", list(CREATE_BODIES))
def test_where_the_name_is_free_refused_field_by_field(free_api: Api, name: str) -> None:
    response = _post(free_api, CREATE_BODIES[name])
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"] == REFUSED[name]
    count = len(REFUSED[name])
    assert error["message"] == f"the request was refused: {count} problem(s); nothing was created or changed"
    assert "your-discord-token" not in response.text and "[password]" not in response.text
    assert _nothing_written(free_api, name)


def _fixed(name: str) -> dict[str, Any]:
    """Each design request, changed only where the platform refused it (REFUSED), plus what the rules ask next:
    the secrets its platforms and model read, one replica per bot identity, a memory limit an agent survives."""
    body: dict[str, Any] = json.loads(CREATE_BODIES[name])
    body["character"]["adjectives"] = [w.strip(" ,.") for w in body["character"].pop("personality").split()
                                       if w not in ("and",)]
    config = body.pop("supabase_config")
    if "database_url" in config:
        body["supabase_config"] = {"database_url": "postgresql://agent:s3cret-value@db.example.co:5432/postgres"}
    catalog = ("@elizaos/plugin-discord", "@elizaos/plugin-telegram", "@elizaos/plugin-twitter")
    body["plugins"] = [p for p in body["plugins"] if p in catalog]  # the platform pins these itself
    if name == "crypto-trading-bot":
        body["model"] = {"provider": "openai", "name": "gpt-4o-mini"}
        body["environment"] = {"DISCORD_APPLICATION_ID": "1234567890", "DISCORD_API_TOKEN": "dtok-value",
                               "OPENAI_API_KEY": "sk-value"}
    elif name == "support-assistant":
        body["model"] = {"provider": "anthropic", "name": "claude-3-5-haiku-latest", "embeddings": "openai"}
        body["character"]["knowledge"] = ["Support hours are 08:00-20:00 CET."]  # plugin-knowledge, not -base
        body["resources"]["memory"] = "1Gi"
        body["environment"].update({"ANTHROPIC_API_KEY": "sk-ant-value", "OPENAI_API_KEY": "sk-value"})
    else:
        body["model"] = {"provider": "openrouter", "name": "meta-llama/llama-3.1-70b-instruct"}
        body["scaling"] = {"minReplicas": 1, "maxReplicas": 1}
        body["environment"] = {k: f"{k.lower()}-value" for k in (
            "DISCORD_APPLICATION_ID", "DISCORD_API_TOKEN", "TELEGRAM_BOT_TOKEN", "TWITTER_API_KEY",
            "TWITTER_API_SECRET_KEY", "TWITTER_ACCESS_TOKEN", "TWITTER_ACCESS_TOKEN_SECRET", "OPENROUTER_API_KEY")}
    return body


@pytest.mark.parametrize("name", list(CREATE_BODIES))
def test_changed_where_refused_each_is_accepted(free_api: Api, name: str) -> None:
    response = _post(free_api, _fixed(name))
    assert response.status_code == 201, response.text
    agent = response.json()["agent"]
    assert agent["name"] == name and agent["source"] == "api" and agent["status"] == "pending"
    assert "value" not in json.dumps(agent)  # no secret value comes back
    if name == "crypto-trading-bot":
        assert agent["resources"] == {"requests": {"memory": "1Gi", "cpu": "500m", "ephemeral-storage": "256Mi"},
                                      "limits": {"memory": "1Gi", "cpu": "500m", "ephemeral-storage": "2560Mi"}}
        assert "POSTGRES_URL" in agent["environment"]


def test_the_design_scale_request_on_an_api_agent(free_api: Api) -> None:
    """`PATCH /api/agents/crypto-trading-bot` as the design sends it: scaling a Discord bot to 2-10 replicas is
    refused (one gateway session per bot identity); the same patch's resources alone are applied."""
    name = "crypto-trading-bot"
    if free_api.client.get(f"/api/agents/{name}", headers=free_api.as_user(USER_A)).status_code == 404:
        assert _post(free_api, _fixed(name)).status_code == 201
    headers = {**free_api.as_user(USER_A), **APIKEY_HEADER, "Content-Type": "application/json"}
    refused = free_api.client.patch(f"/api/agents/{name}", content=SCALE_PATCH, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == [
        {"pointer": "/scaling", "message": "autoscaling (maxReplicas > minReplicas) needs targetCPU or targetMemory"},
        {"pointer": "/scaling/maxReplicas", "message": "discord in gateway mode allows one replica per bot identity (a "
         "second Discord gateway session without sharding handles every message twice); set scaling.maxReplicas: 1"},
    ]
    resources_only = json.dumps({"resources": json.loads(SCALE_PATCH)["resources"]})
    applied = free_api.client.patch(f"/api/agents/{name}", content=resources_only, headers=headers)
    assert applied.status_code == 200, applied.text
    limits = applied.json()["agent"]["resources"]["limits"]
    assert limits == {"memory": "2Gi", "cpu": "1000m", "ephemeral-storage": "2560Mi"}
