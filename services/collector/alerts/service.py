"""Alertmanager notifications into system_alerts: each alert of a notification is one incident row
(repository: launchpad/db/repository/telemetry/alerts.py). Alertmanager may send an incident many times
(group_interval, repeat_interval, retries) and several incidents in one notification: the rows are keyed by
fingerprint and start, so any number of deliveries leaves one row per incident."""

from __future__ import annotations

from datetime import UTC, datetime

from launchpad.db.repository.telemetry.alerts import AlertsWritten, upsert_alerts
from launchpad.db.repository.telemetry.types import AlertNotice
from services.collector.alerts.models import WebhookAlert, WebhookPayload
from services.collector.database import Database

SEVERITIES = {"critical": "critical", "warning": "warning", "info": "info", "none": "info"}
_GO_ZERO_YEAR = 1


def _ends_at(alert: WebhookAlert) -> datetime | None:
    if alert.endsAt is None or alert.endsAt.year <= _GO_ZERO_YEAR:
        return None
    return alert.endsAt if alert.endsAt.tzinfo else alert.endsAt.replace(tzinfo=UTC)


def notices(payload: WebhookPayload) -> list[AlertNotice]:
    out = []
    for alert in payload.alerts:
        labels = alert.labels
        out.append(
            AlertNotice(
                fingerprint=alert.fingerprint,
                status=alert.status,
                alertname=labels.get("alertname", "alert"),
                severity=SEVERITIES.get(labels.get("severity", ""), "warning"),
                namespace=labels.get("namespace", ""),
                agent=labels.get("agent", ""),
                summary=alert.annotations.get("summary", ""),
                runbook=alert.annotations.get("runbook", ""),
                starts_at=alert.startsAt if alert.startsAt.tzinfo else alert.startsAt.replace(tzinfo=UTC),
                ends_at=_ends_at(alert),
                labels=labels,
            )
        )
    return out


def receive(db: Database, payload: WebhookPayload) -> AlertsWritten:
    found = notices(payload)
    return db.run(lambda conn: upsert_alerts(conn, found))
