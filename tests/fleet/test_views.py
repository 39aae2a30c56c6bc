"""The registry view of the example agents carries what the registry needs, never a secret."""

import json
from pathlib import Path

from launchpad.db.repository.agent_record import agent_record
from launchpad.fleet import load_fleet

ROOT = Path(__file__).resolve().parents[2]


def _agents():  # type: ignore[no-untyped-def]
    return {a.name: a for a in load_fleet([ROOT / "agents"]).agents}


def test_registry_record_names_secret_locations_only() -> None:
    record = agent_record(_agents()["support-assistant"])
    assert record.user_id == "0b9f6a7e-3c2d-4e8f-a1b5-6c7d8e9f0a12"
    assert record.platforms == {"telegram": {"mode": "polling"}}
    assert [(s.env_name, s.source, s.location) for s in record.secrets] == [
        ("ANTHROPIC_API_KEY", "pulumi-config", "anthropicApiKey"),
        ("OPENAI_API_KEY", "pulumi-config", "openaiApiKey"),
        ("POSTGRES_URL", "kubernetes-secret", "support-postgres/url"),
        ("TELEGRAM_BOT_TOKEN", "pulumi-config", "supportTelegramBotToken"),
    ]
    assert record.resources["limits"] == {"cpu": "2", "memory": "1Gi", "ephemeral-storage": "2560Mi"}
    json.dumps(record.character)  # the character is plain JSON, storable as jsonb
