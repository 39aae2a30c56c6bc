"""JSON Schema of an agent file, for editors (`# yaml-language-server: $schema=agent.schema.json`)."""

from __future__ import annotations

from typing import Any

from launchpad.fleet.models import AgentSpec


def agent_schema() -> dict[str, Any]:
    schema = AgentSpec.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "agent-launchpad agent",
        "description": "One elizaOS agent of the fleet. Secret values never live here: "
        "`secrets:` names where they are.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
