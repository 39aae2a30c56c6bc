"""The monitoring and registry views of the example agents carry what those layers need, never a secret."""

import json
from pathlib import Path

from launchpad.spec import load_fleet
from launchpad.views import agent_record, monitored_agent

ROOT = Path(__file__).resolve().parents[2]


def _agents():  # type: ignore[no-untyped-def]
    return {a.name: a for a in load_fleet([ROOT / "agents"]).agents}


def test_monitored_agent_of_a_tenant_agent() -> None:
    view = monitored_agent(_agents()["support-assistant"])
    assert (view.name, view.tenant, view.namespace, view.deployment, view.container) == (
        "support-assistant", "support", "tenant-support", "support-assistant", "eliza")
    assert view.memory_limit_bytes == 3 * 2**30
    assert view.cpu_limit_cores == 2.0
    assert (view.min_replicas, view.max_replicas, view.autoscaled) == (1, 1, False)


def test_monitored_agent_without_tenant() -> None:
    view = monitored_agent(_agents()["omni-agent"])
    assert (view.tenant, view.namespace) == ("default", "agent-omni-agent")


def test_registry_record_names_secret_locations_only() -> None:
    record = agent_record(_agents()["support-assistant"])
    assert record.user_id == "0b9f6a7e-3c2d-4e8f-a1b5-6c7d8e9f0a12"
    assert record.platforms == {"telegram": {"mode": "polling"}}
    assert [(s.env_name, s.source, s.location) for s in record.secrets] == [
        ("ANTHROPIC_API_KEY", "pulumi-config", "anthropicApiKey"),
        ("POSTGRES_URL", "kubernetes-secret", "support-postgres/url"),
        ("TELEGRAM_BOT_TOKEN", "pulumi-config", "supportTelegramBotToken"),
    ]
    assert record.resources["limits"] == {"cpu": "2", "memory": "3Gi"}
    json.dumps(record.character)  # the character is plain JSON, storable as jsonb
