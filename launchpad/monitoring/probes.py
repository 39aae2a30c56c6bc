"""A black-box `/health` probe per agent (Probe, monitoring.coreos.com/v1), run by the blackbox exporter.

`/health` is the agent's readiness endpoint (launchpad.naming): probing it from outside the pod catches
what the kubelet cannot report, e.g. a Service that selects no ready pod."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from launchpad import naming
from launchpad.monitoring.model import MonitoredAgent

if TYPE_CHECKING:  # settings imports rules, which imports this module for the probe's job and URL
    from launchpad.monitoring.settings import MonitoringSettings

HEALTH_PATH = "/health"
JOB_NAME = "launchpad-agent-health"


def health_url(agent: MonitoredAgent) -> str:
    return f"http://{agent.service}.{agent.namespace}.svc:{agent.port}{HEALTH_PATH}"


def probe(agent: MonitoredAgent, settings: MonitoringSettings, fleet: str) -> dict[str, Any]:
    bb = settings.blackbox
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Probe",
        "metadata": {
            # In the monitoring namespace, next to the exporter; prefixed by fleet so two stacks sharing a
            # cluster cannot collide.
            "name": f"{fleet}-{agent.name}-health",
            "namespace": settings.namespace,
            "labels": {
                **settings.ruleLabels,
                naming.FLEET_LABEL: fleet,
                naming.AGENT_LABEL: agent.name,
                "app.kubernetes.io/part-of": naming.PART_OF,
            },
        },
        "spec": {
            "jobName": JOB_NAME,
            "interval": bb.interval,
            "module": bb.module,
            "prober": {"url": bb.proberUrl, "path": "/probe", "scheme": "http"},
            "targets": {
                "staticConfig": {
                    "static": [health_url(agent)],
                    # The agent dashboards select probe_success by these labels.
                    "labels": {"agent": agent.name, "tenant": agent.tenant, "fleet": fleet},
                }
            },
        },
    }
