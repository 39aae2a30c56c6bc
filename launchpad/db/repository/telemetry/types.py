"""Plain rows the collector hands to the repository (no Kubernetes or HTTP types cross this line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

Connection = psycopg.Connection[tuple[object, ...]]

HEALTHS = ("unknown", "running", "degraded", "crash-looping", "pending", "paused")
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")


@dataclass(frozen=True)
class AgentRef:
    """The registry row an observation belongs to: its id and owner (RLS serves rows by user_id)."""

    id: str
    user_id: str
    name: str
    namespace: str


@dataclass(frozen=True)
class Observation:
    """An agent's health as its Deployment and Pods show it at `at`."""

    agent: AgentRef
    health: str
    replicas_desired: int
    replicas_ready: int
    restarts: int
    reason: str
    at: datetime


@dataclass(frozen=True)
class MetricSample:
    agent: AgentRef
    name: str
    value: float
    recorded_at: datetime


@dataclass(frozen=True)
class LogLine:
    """One stored log line. `id` is derived from where the line was read (pod, container, stream, time, text),
    so a line delivered twice (a shipper retrying after a collector restart) is stored once."""

    id: str
    agent: AgentRef
    level: str
    message: str
    context: dict[str, Any] | str  # a JSON object, or its text already serialized (the collector's hot path)
    logged_at: datetime


@dataclass(frozen=True)
class AlertNotice:
    """One alert of an Alertmanager notification, as the webhook sends it."""

    fingerprint: str
    status: str  # firing | resolved
    alertname: str
    severity: str  # info | warning | critical
    namespace: str
    agent: str
    summary: str
    runbook: str
    starts_at: datetime
    ends_at: datetime | None
    labels: dict[str, str] = field(default_factory=dict)
