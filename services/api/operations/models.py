"""The operation behind a change, as its owner reads it: state, the engine's events for their agent only (the
deployer filters a coalesced `up`'s events per operation), policy violations and the error lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class OperationEvent(BaseModel):
    seq: int
    at: datetime
    kind: str
    message: str
    detail: dict[str, Any]


class Operation(BaseModel):
    id: str
    agent: str
    kind: str = Field(description="create, update, pause, resume, restart, delete")
    state: str = Field(description="queued, running, succeeded, failed, superseded, cancelled")
    dryRun: bool
    stack: str
    revision: int | None = Field(description="the agent revision it applies")
    attempts: int
    createdAt: datetime
    startedAt: datetime | None
    finishedAt: datetime | None
    summary: dict[str, Any] | None
    violations: list[dict[str, Any]] = Field(description="the policy pack's, for this agent")
    errorLines: list[str]
    candidate: dict[str, Any] | None = Field(description="a dry run: the agent it previews (no secret value)")
    events: list[OperationEvent]
