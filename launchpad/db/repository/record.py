"""One row of the agent registry, as the Pulumi program hands it to the database layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class SecretLocation:
    """Where one secret env var of an agent lives. Never its value."""

    env_name: str
    source: Literal["pulumi-config", "kubernetes-secret"]
    location: str  # config key, or "<secret name>/<key>"


@dataclass(frozen=True)
class AgentRecord:
    user_id: str  # uuid of the Supabase user that owns the agent
    name: str
    tenant: str | None
    namespace: str
    status: str  # "deployed" when registered by the program
    replicas: int
    character: dict[str, Any]
    plugins: list[str]
    platforms: dict[str, dict[str, Any]]
    resources: dict[str, Any]
    image: str
    secrets: list[SecretLocation] = field(default_factory=list)
