"""Helm values of the charts MonitoringStack installs when `monitoring.install` is true."""

from __future__ import annotations

from typing import Any

from launchpad.monitoring.dashboards import FOLDER_ANNOTATION, SIDECAR_LABEL
from launchpad.monitoring.selectors import metric_labels_allowlist
from launchpad.monitoring.settings import MonitoringSettings

PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts"
BLACKBOX_FULLNAME = "prometheus-blackbox-exporter"  # the default blackbox.proberUrl names this Service


def kube_prometheus_stack(settings: MonitoringSettings) -> dict[str, Any]:
    return {
        "grafana": {
            "sidecar": {
                "dashboards": {
                    "enabled": True,
                    # The fleet's dashboards live in the chart's namespace: the sidecar's default reach.
                    "label": SIDECAR_LABEL,
                    "labelValue": "1",
                    "folderAnnotation": FOLDER_ANNOTATION,
                    "provider": {"foldersFromFilesStructure": True},
                }
            }
        },
        # The rules find agents through their objects' labels (selectors.py): kube-state-metrics exports
        # them only when allow-listed.
        "kube-state-metrics": {"metricLabelsAllowlist": metric_labels_allowlist()},
        "prometheus": {
            "prometheusSpec": {
                # false: select every ServiceMonitor/PodMonitor/PrometheusRule/Probe/ScrapeConfig, not only the
                # release's own, or this project's objects (not labelled `release: <release>`) would be ignored.
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "probeSelectorNilUsesHelmValues": False,
                "scrapeConfigSelectorNilUsesHelmValues": False,
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
