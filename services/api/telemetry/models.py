"""Response bodies of an agent's logs and metrics (what the collector stored, services/collector)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LogLine(BaseModel):
    seq: int = Field(description="its place in the agent's log stream: the `logs` position of a live `log` "
                                 "event's id (GET .../events), so a client merging both shows each line once")
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


class Alert(BaseModel):
    id: str
    alertname: str | None
    severity: str = Field(description="info, warning, critical")
    title: str
    message: str
    status: str = Field(description="open, acknowledged, resolved")
    labels: dict[str, Any]
    startedAt: datetime
    resolvedAt: datetime | None
    updatedAt: datetime


class AlertPage(BaseModel):
    agent: str
    alerts: list[Alert] = Field(description="newest first, one per incident")
    next: str | None
