"""One PromQL query per metric for the whole fleet, on the recording rules the monitoring stack makes
(launchpad/monitoring/selectors.py: `launchpad:agent_pod:info`, `launchpad:agent_deployment:info`), each
answering one series per agent labelled (namespace, agent, tenant). Checked against a real Prometheus 2.42
with the fleet's rules and 1,000 agents' series (/work/notes/prometheus.md: 8-44 ms each)."""

from __future__ import annotations

from launchpad.monitoring.probes import JOB_NAME
from launchpad.monitoring.selectors import CONTAINER, DEPLOYMENTS, PODS

BY_AGENT = "by (namespace, agent, tenant)"
# The rate window: a counter needs two samples in it, and kube-prometheus scrapes cAdvisor every 30 s.
RATE_WINDOW = "5m"


def _per_container(agg: str, expr: str) -> str:
    return f"{agg} by (namespace, pod, container) ({expr})"


def queries(rate_window: str = RATE_WINDOW) -> dict[str, str]:
    """metric name (as stored in agent_metrics.name) -> PromQL."""
    working_set = _per_container("max", f"container_memory_working_set_bytes{{{CONTAINER}}}")
    limit = _per_container("max", f'kube_pod_container_resource_limits{{{CONTAINER}, resource="memory"}}')
    cpu = f"rate(container_cpu_usage_seconds_total{{{CONTAINER}}}[{rate_window}])"
    ratio = f"({working_set} / on (namespace, pod, container) ({limit}))"
    return {
        # CPU cores used by the agent's containers, all replicas together.
        "cpu_cores": f"sum {BY_AGENT} ({PODS.join(cpu)})",
        # Working set of the fullest replica against its memory limit (1.0 = at the limit: the OOM killer's line).
        "memory_limit_ratio": f"max {BY_AGENT} ({PODS.join(ratio)})",
        "restarts": f"sum {BY_AGENT} ({PODS.join(f'kube_pod_container_status_restarts_total{{{CONTAINER}}}')})",
        "ready_replicas": f"sum {BY_AGENT} ({DEPLOYMENTS.join('kube_deployment_status_replicas_ready')})",
        # 1 when the blackbox probe of the agent's /health answered, 0 when it did not.
        "probe_success": f'max {BY_AGENT} (probe_success{{job="{JOB_NAME}"}})',
    }
