"""Response bodies of an agent's logs and metrics (what the collector stored, services/collector)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LogLine(BaseModel):
    at: datetime = Field(description="when the agent's container printed it (the runtime's clock)")
    level: str
    message: str
    context: dict[str, Any]


class LogPage(BaseModel):
    agent: str
    logs: list[LogLine] = Field(description="newest first")
    next: str | None = Field(description="pass as `cursor` for the next (older) page; null at the end")


class MetricSample(BaseModel):
    at: datetime
    name: str
    value: float


class MetricPage(BaseModel):
    agent: str
    metrics: list[MetricSample] = Field(description="newest first")
    next: str | None
