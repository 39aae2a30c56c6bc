"""What the agent file's settings become in the pod: the plugins' own env switches, the API token from the
agent's Secret, egress to ollama, session affinity for replicas; nothing that the runtime ignores."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.fleet import load_fleet
from launchpad.fleet.resolved import Agent
from launchpad.workloads.agent_objects import agent_manifests
from launchpad.workloads.pod import container_env, secret_env
from tests.fleet.fleet_files import BASE, write_fleet


def _agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Agent:
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, {"bot.yaml": text})
    (agent,) = load_fleet([Path("agents")]).agents
    return agent


def _plain(agent: Agent) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container_env(agent) if "value" in e}


def test_model_name_and_sizes_become_the_provider_plugin_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = _agent(tmp_path, monkeypatch, BASE.replace("  provider: openai\n", "  provider: openai\n  name: gpt-4o-mini\n  large: gpt-4o\n"))
    env = _plain(agent)
    assert (env["OPENAI_SMALL_MODEL"], env["OPENAI_LARGE_MODEL"]) == ("gpt-4o-mini", "gpt-4o")
    assert "model" not in (agent.character.get("settings") or {})  # no character setting that does nothing


def test_twitter_modes_set_the_plugin_switches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twitter = "  TWITTER_API_KEY: {config: a}\n  TWITTER_API_SECRET_KEY: {config: b}\n  TWITTER_ACCESS_TOKEN: {config: c}\n  TWITTER_ACCESS_TOKEN_SECRET: {config: d}\n"
    for mode, post, replies in (("replies", "false", "true"), ("post", "true", "true"), ("post-only", "true", "false")):
        text = BASE.replace("  telegram: {mode: polling}", f"  twitter: {{mode: {mode}}}").replace("  TELEGRAM_BOT_TOKEN: {config: tgToken}\n", twitter)
        env = _plain(_agent(tmp_path, monkeypatch, text))
        assert (env["TWITTER_ENABLE_POST"], env["TWITTER_ENABLE_REPLIES"]) == (post, replies), mode


def test_ollama_endpoint_is_set_and_its_port_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = BASE.replace("provider: openai", "provider: ollama\n  endpoint: http://ollama.models.svc:11434/api")
    agent = _agent(tmp_path, monkeypatch, text.replace("  OPENAI_API_KEY: {config: openaiKey}\n", ""))
    assert _plain(agent)["OLLAMA_API_ENDPOINT"] == "http://ollama.models.svc:11434/api"
    egress = agent_manifests(agent, {}).network_policy
    ports = sorted(p["port"] for rule in egress["spec"]["egress"] for p in rule["ports"])
    assert ports == [53, 53, 443, 11434]  # DNS, HTTPS to the internet, ollama: no database port for nothing
    (ollama,) = [rule for rule in egress["spec"]["egress"] if rule["ports"][0]["port"] == 11434]
    assert ollama["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "models"}}}]


def test_the_api_token_comes_from_the_agents_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = _agent(tmp_path, monkeypatch, BASE)
    assert secret_env(agent) == ["ELIZA_SERVER_AUTH_TOKEN", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN"]
    (token,) = [e for e in container_env(agent) if e["name"] == "ELIZA_SERVER_AUTH_TOKEN"]
    assert token == {"name": "ELIZA_SERVER_AUTH_TOKEN", "valueFrom": {"secretKeyRef": {"name": "bot-env", "key": "ELIZA_SERVER_AUTH_TOKEN"}}}
    secret = agent_manifests(agent, {"ELIZA_SERVER_AUTH_TOKEN": "t", "OPENAI_API_KEY": "o", "TELEGRAM_BOT_TOKEN": "g"}).secret
    assert secret is not None and sorted(secret["stringData"]) == secret_env(agent)


def test_no_settings_the_runtime_ignores_and_the_update_check_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pg = BASE.replace("  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n") + "database: {host: pg.example.com}\n"
    env = _plain(_agent(tmp_path, monkeypatch, pg))
    assert "POSTGRES_POOL_MAX" not in env  # plugin-sql 1.7.2 hard-codes its pool
    assert "PGLITE_DATA_DIR" not in env  # a shared Postgres instead of the pod's PGlite
    assert env["NPM_CONFIG_OFFLINE"] == "true" and env["ELIZA_NO_PLUGIN_AUTO_INSTALL"] == "true"


def test_replicas_get_session_affinity_single_pods_do_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = BASE.replace("  telegram: {mode: polling}", "  web: {}").replace("  TELEGRAM_BOT_TOKEN: {config: tgToken}\n", "  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n") + "database: {host: pg.example.com}\n"
    scaled = _agent(tmp_path, monkeypatch, web.replace("  maxReplicas: 1", "  maxReplicas: 3\n  targetCPU: 70"))
    assert agent_manifests(scaled, {}).service["spec"]["sessionAffinity"] == "ClientIP"
    single = _agent(tmp_path, monkeypatch, web)
    assert "sessionAffinity" not in agent_manifests(single, {}).service["spec"]
