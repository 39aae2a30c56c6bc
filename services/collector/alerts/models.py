"""Alertmanager's webhook payload (version 4), as Alertmanager 0.25 sends it (checked against the real one:
/work/notes/prometheus.md section 6). Only what the receiver reads is modelled; the rest is ignored."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class WebhookAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime
    # A firing alert carries Go's zero time here (0001-01-01T00:00:00Z), not "none".
    endsAt: datetime | None = None
    fingerprint: str = Field(pattern="^[0-9a-f]{16}$")


class WebhookPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str = "4"
    status: str = ""
    alerts: list[WebhookAlert]
