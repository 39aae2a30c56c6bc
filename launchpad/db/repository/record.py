"""One row of the agent registry, as the Pulumi program hands it to the database layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

STORED_LOCATION = "agent_secret_values"  # where the sealed values of an api agent's secrets live


@dataclass(frozen=True)
class SecretLocation:
    """Where one secret env var of an agent lives. Never its value."""

    env_name: str
    source: Literal["pulumi-config", "kubernetes-secret", "api"]
    location: str  # config key, "<secret name>/<key>", or "agent_secret_values" (sealed, posted to the API)


@dataclass(frozen=True)
class AgentRecord:
    user_id: str  # uuid of the Supabase user that owns the agent
    name: str
    tenant: str | None
    namespace: str
    status: str  # "running" when registered by the program (its `up` applies it)
    replicas: int
    character: dict[str, Any]
    plugins: list[str]
    platforms: dict[str, dict[str, Any]]
    resources: dict[str, Any]
    image: str
    secrets: list[SecretLocation] = field(default_factory=list)
    source_file: str | None = None  # the agent file (git agents), named by the API when it refuses the name
