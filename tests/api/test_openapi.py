"""The committed OpenAPI document (docs/api/openapi.json) is the app's: regenerate it with
`python -m launchpad api openapi > docs/api/openapi.json` when an endpoint or a schema changes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_document_matches_the_app() -> None:
    from services.api.app import create_app
    from services.api.config import openapi_config

    committed = json.loads((ROOT / "docs" / "api" / "openapi.json").read_text())
    assert create_app(openapi_config()).openapi() == committed, (
        "run `python -m launchpad api openapi > docs/api/openapi.json`")


def test_the_command_prints_it() -> None:
    done = subprocess.run([sys.executable, "-m", "launchpad", "api", "openapi"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert json.loads(done.stdout) == json.loads((ROOT / "docs" / "api" / "openapi.json").read_text())


def test_every_endpoint_is_documented_with_its_errors() -> None:
    document = json.loads((ROOT / "docs" / "api" / "openapi.json").read_text())
    paths = document["paths"]
    assert set(paths) == {
        "/api/health", "/api/agents", "/api/agents/{name}", "/api/agents/{name}/status",
        "/api/agents/{name}/pause", "/api/agents/{name}/resume", "/api/agents/{name}/restart",
        "/api/agents/{name}/scale", "/api/operations/{operation_id}",
        # the live view (issue 21): logs, metrics, Server-Sent Events
        "/api/agents/{name}/logs", "/api/agents/{name}/metrics", "/api/events", "/api/agents/{name}/events",
        # the dashboard's alert history (issue 22)
        "/api/agents/{name}/alerts",
    }
    create = paths["/api/agents"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CreateAgent"}
    assert {"400", "401", "403", "404", "409", "412", "429"} <= set(create["responses"])
    assert "agentName" in document["components"]["schemas"]["CreateAgent"]["properties"]
