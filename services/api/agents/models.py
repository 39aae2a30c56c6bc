"""Request and response bodies of /api/agents.

Requests are the design's body (`agentName`, `character`, `plugins`, `platforms`, `resources`, `scaling`,
`environment`, `supabase_config`; seed/000_928304067612076a.txt), plus `model` (an agent needs one: the
design's examples leave it out and are told so). The shapes here are only the request's own: what an agent
may be is decided by the same loader and rules as an agent file (convert.py turns the body into one), so the
messages are `validate`'s."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResourcesIn(Body):
    """The design's flat form (`memory`, `cpu`: what the agent gets, as request and limit), or an agent
    file's (`requests`, `limits`)."""

    memory: Any = None
    cpu: Any = None
    requests: dict[str, Any] | None = None
    limits: dict[str, Any] | None = None


class AgentFields(Body):
    """What a request may say of an agent; every field optional (PATCH sends some, as a merge patch)."""

    description: str | None = None
    character: dict[str, Any] | None = None
    plugins: list[StrictStr] | None = None
    platforms: list[StrictStr] | dict[str, dict[str, Any] | None] | None = None
    model: dict[str, Any] | None = None
    resources: ResourcesIn | None = None
    scaling: dict[str, Any] | None = None
    # Values are kept sealed (launchpad/sealed.py) and never returned; null (PATCH) removes one.
    environment: dict[str, StrictStr | None] | None = None
    supabase_config: dict[str, Any] | None = None


class CreateAgent(AgentFields):
    agentName: StrictStr
    character: dict[str, Any]


class UpdateAgent(AgentFields):
    """PATCH: a JSON merge patch (RFC 7396) of the agent in the request's terms; `agentName` cannot change."""

    agentName: StrictStr | None = None


class Scale(Body):
    """A fixed count (`replicas`: min = max) or bounds for the autoscaler."""

    replicas: int | None = Field(None, ge=1, description="to run none, pause the agent")
    minReplicas: int | None = Field(None, ge=1)
    maxReplicas: int | None = Field(None, ge=1)


# Responses.


class OperationRef(BaseModel):
    id: str
    kind: str
    state: str
    dryRun: bool
    href: str


class AgentSummary(BaseModel):
    name: str
    source: Literal["git", "api"]
    status: str
    paused: bool
    revision: int
    owner: str
    platforms: list[str]
    replicas: int
    createdAt: datetime
    updatedAt: datetime
    href: str


class AgentListItem(AgentSummary):
    """A row of the list: the summary, where it runs, and what the collector last saw of it."""

    tenant: str | None
    image: str
    health: str | None = Field(description="observed: running, degraded, crash-looping, pending, paused; null "
                                           "until the collector has seen the agent")
    replicasReady: int | None


class Agent(AgentSummary):
    description: str
    file: str | None = Field(None, description="the agent file in git (source git): change it there")
    stack: str | None
    namespace: str
    tenant: str | None = None
    image: str = Field("", description="the runtime image its pods run (built and scanned by the platform)")
    character: dict[str, Any]
    plugins: list[str]
    platformModes: dict[str, str]
    model: dict[str, Any] | None
    resources: dict[str, Any]
    scaling: dict[str, Any]
    environment: list[str] = Field(description="names of the secret values it holds; values are never returned")
    restartedAt: datetime | None = None


class AgentPage(BaseModel):
    agents: list[AgentListItem]
    total: int
    limit: int
    offset: int


class AgentChange(BaseModel):
    """What a change returns: the agent as it now is (or would be, for a dry run) and the operation that
    deploys (or previews) it; follow the operation at its href."""

    agent: Agent | None
    operation: OperationRef
    dryRun: bool = False


class Observed(BaseModel):
    """What the collector last saw of the agent on the cluster (issue 21 writes it)."""

    health: str
    replicasDesired: int | None
    replicasReady: int | None
    restarts: int | None
    reason: str | None
    changedAt: datetime | None


class AgentStatus(BaseModel):
    name: str
    source: Literal["git", "api"]
    status: str = Field(description="lifecycle: pending, deploying, running, failed, paused, deleting")
    paused: bool
    revision: int
    replicas: dict[str, int] = Field(description="what the agent asks for: min and max (0 when paused)")
    lastOperation: OperationRef | None
    lastError: list[str] = Field(description="the error lines of the last operation, when it failed")
    observed: Observed | None = Field(description="null until the collector has observed the agent")
