"""Alertmanager routing by severity, as an AlertmanagerConfig (monitoring.coreos.com/v1alpha1).

Receiver URLs are secrets: they live in a Kubernetes Secret (one key per severity, written by the component
from Pulumi secrets) and the AlertmanagerConfig only names that Secret, so no URL is ever in plaintext in a
ConfigMap, a custom resource or the Pulumi state.

The operator's default matcher strategy (OnNamespace) would add `namespace="<this namespace>"` to the route,
and our alerts carry the agent's namespace (or none: AgentRestartStorm), so nothing would match: the chart
values set `alertmanagerConfigMatcherStrategy: None` (values.py); an existing operator needs the same."""

from __future__ import annotations

from typing import Any

from launchpad import naming
from launchpad.monitoring.settings import MonitoringSettings, Receiver

NULL_RECEIVER = "null"  # alerts of the fleet with no receiver for their severity end here, silently


def secret_name(fleet: str) -> str:
    return f"launchpad-{fleet}-alert-receivers"


def _receiver(severity: str, receiver: Receiver, secret: str) -> dict[str, Any]:
    ref = {"name": secret, "key": severity}
    if receiver.type == "slack":
        slack: dict[str, Any] = {"apiURL": ref, "sendResolved": receiver.sendResolved}
        if receiver.channel:
            slack["channel"] = receiver.channel
        slack["title"] = "{{ .CommonLabels.alertname }} {{ .CommonLabels.agent }} ({{ .CommonLabels.severity }})"
        slack["text"] = "{{ range .Alerts }}{{ .Annotations.summary }}\nRunbook: {{ .Annotations.runbook }}\n{{ end }}"
        return {"name": severity, "slackConfigs": [slack]}
    return {"name": severity, "webhookConfigs": [{"urlSecret": ref, "sendResolved": receiver.sendResolved}]}


def alertmanager_config(settings: MonitoringSettings, fleet: str) -> dict[str, Any]:
    secret = secret_name(fleet)
    routes = [
        {
            "receiver": severity,
            "matchers": [{"name": "severity", "value": severity, "matchType": "="}],
            "repeatInterval": receiver.repeatInterval,
        }
        for severity, receiver in sorted(settings.receivers.items())
    ]
    return {
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": {
            "name": f"launchpad-{fleet}",
            "namespace": settings.namespace,
            "labels": {**settings.ruleLabels, naming.FLEET_LABEL: fleet, "app.kubernetes.io/part-of": naming.PART_OF},
        },
        "spec": {
            "route": {
                "receiver": NULL_RECEIVER,
                # Only this fleet's alerts: the rules label every alert with its fleet.
                "matchers": [{"name": "fleet", "value": fleet, "matchType": "="}],
                "groupBy": ["alertname", "agent", "tenant"],
                "groupWait": "30s",
                "groupInterval": "5m",
                "routes": routes,
            },
            "receivers": [
                {"name": NULL_RECEIVER},
                *(_receiver(sev, r, secret) for sev, r in sorted(settings.receivers.items())),
            ],
        },
    }


def secret_metadata(settings: MonitoringSettings, fleet: str) -> dict[str, Any]:
    """Metadata of the Secret holding the receiver URLs (its data is set by the component, from secrets)."""
    return {
        "name": secret_name(fleet),
        "namespace": settings.namespace,
        "labels": {naming.FLEET_LABEL: fleet, "app.kubernetes.io/part-of": naming.PART_OF},
    }
