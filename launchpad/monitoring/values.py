"""Helm values of the charts MonitoringStack installs when `monitoring.install` is true."""

from __future__ import annotations

from typing import Any

from launchpad.monitoring.dashboards import FOLDER_ANNOTATION, SIDECAR_LABEL
from launchpad.monitoring.settings import MonitoringSettings

PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts"
BLACKBOX_FULLNAME = "prometheus-blackbox-exporter"  # the default blackbox.proberUrl names this Service


def kube_prometheus_stack(settings: MonitoringSettings) -> dict[str, Any]:
    return {
        "grafana": {
            "sidecar": {
                "dashboards": {
                    "enabled": True,
                    # Per-agent dashboards live in the agents' namespaces.
                    "searchNamespace": "ALL",
                    "label": SIDECAR_LABEL,
                    "labelValue": "1",
                    "folderAnnotation": FOLDER_ANNOTATION,
                    "provider": {"foldersFromFilesStructure": True},
                }
            }
        },
        "prometheus": {
            "prometheusSpec": {
                # false: select every ServiceMonitor/PodMonitor/PrometheusRule/Probe, not only the release's own,
                # or this project's objects (not labelled `release: <release>`) would be ignored.
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "probeSelectorNilUsesHelmValues": False,
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                # Our alerts carry the agents' namespaces, not the AlertmanagerConfig's (alertmanager.py).
                "alertmanagerConfigMatcherStrategy": {"type": "None"},
            }
        },
    }


def blackbox_exporter(settings: MonitoringSettings) -> dict[str, Any]:
    return {"fullnameOverride": BLACKBOX_FULLNAME}
