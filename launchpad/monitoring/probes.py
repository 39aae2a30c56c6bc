"""Black-box `/health` probes of every agent, run by the blackbox exporter: ONE ScrapeConfig
(monitoring.coreos.com/v1alpha1) for the whole fleet, whatever its size.

A `Probe` object takes its targets as a static list (or Ingresses), so probing every agent with Probes
means one object per agent, or one whose list grows with the fleet. Instead Prometheus discovers the agents'
Services itself (kubernetes_sd, role service, selected by the `launchpad.dev/agent` label) and relabels
each into a blackbox probe of `http://<service>.<namespace>.svc:<port>/health`: the pattern of Prometheus'
own example configuration (documentation/examples/prometheus-kubernetes.yml, job "kubernetes-services").
Adding an agent adds a Service, and nothing here changes.

`/health` is the agent's readiness endpoint (launchpad.naming): probing it from outside the pod catches what
the kubelet cannot report, e.g. a Service that selects no ready pod."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from launchpad import naming
from launchpad.monitoring.selectors import sanitize

if TYPE_CHECKING:  # settings imports rules, which imports this module for the job name
    from launchpad.monitoring.settings import MonitoringSettings

HEALTH_PATH = "/health"
JOB_NAME = "launchpad-agent-health"


def _meta_label(key: str) -> str:
    """Prometheus' service discovery names a Service label `__meta_kubernetes_service_label_<sanitized key>`
    (prometheus discovery/kubernetes/service.go, strutil.SanitizeLabelName)."""
    return "__meta_kubernetes_service_label_" + sanitize(key)


def _copy(source: str, target: str) -> dict[str, Any]:
    return {"sourceLabels": [source], "targetLabel": target, "action": "replace"}


def scrape_config(settings: MonitoringSettings, fleet: str) -> dict[str, Any]:
    bb = settings.blackbox
    relabelings = [
        # The agent's HTTP port only (launchpad.naming): one probe per agent.
        {"sourceLabels": ["__meta_kubernetes_service_port_name"], "regex": naming.HTTP_PORT_NAME, "action": "keep"},
        # __address__ is <service>.<namespace>.svc:<port>: the probed URL, shown as `instance`.
        {
            "sourceLabels": ["__address__"],
            "regex": "(.+)",
            "replacement": f"http://$1{HEALTH_PATH}",
            "targetLabel": "__param_target",
            "action": "replace",
        },
        _copy("__param_target", "instance"),
        # Then scrape the exporter, which probes the target.
        {"targetLabel": "__address__", "replacement": bb.proberUrl, "action": "replace"},
        _copy(_meta_label(naming.AGENT_LABEL), "agent"),
        _copy(_meta_label(naming.TENANT_LABEL), "tenant"),
        _copy("__meta_kubernetes_namespace", "namespace"),
    ]
    return {
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "ScrapeConfig",
        "metadata": {
            # In the monitoring namespace, next to the exporter; named by fleet so two stacks sharing a cluster
            # cannot collide.
            "name": f"launchpad-{fleet}-agent-health",
            "namespace": settings.namespace,
            "labels": {**settings.ruleLabels, naming.FLEET_LABEL: fleet, "app.kubernetes.io/part-of": naming.PART_OF},
        },
        "spec": {
            "jobName": JOB_NAME,
            "scrapeInterval": bb.interval,
            "metricsPath": "/probe",
            "params": {"module": [bb.module]},
            "kubernetesSDConfigs": [
                {"role": "Service", "selectors": [{"role": "Service", "label": naming.AGENT_LABEL}]}
            ],
            "relabelings": relabelings,
        },
    }
