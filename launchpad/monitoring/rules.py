"""The fleet's alert rules: the `spec` of one PrometheusRule (monitoring.coreos.com/v1) per fleet.

Every rule carries the labels `agent`, `tenant`, `severity` (and `fleet`) and the annotations `summary` and
`runbook`, so Alertmanager routes on severity and the policy pack finds a rule for every agent. Series come
from cAdvisor and kube-state-metrics only (elizaOS exports none); see selectors.py for how an agent's series
are picked."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, get_args

from launchpad import naming
from launchpad.monitoring import probes
from launchpad.monitoring import selectors as sel
from launchpad.monitoring.model import MonitoredAgent

Rule = dict[str, Any]
# `critical` pages (an agent is not answering, or is about to be killed); `warning` goes to a channel.
Severity = Literal["critical", "warning"]
CRITICAL: Severity = "critical"
WARNING: Severity = "warning"
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
# The fleet-wide rule concerns no single agent; `*` cannot be an agent or tenant name (DNS labels).
FLEET_WIDE = "*"
MEMORY_NEAR_LIMIT = 0.9
# Share of CFS periods throttled; 25% is kube-prometheus' CPUThrottlingHigh threshold.
CPU_THROTTLED = 0.25
RESTART_STORM_WINDOW = "15m"


def _labels(agent: MonitoredAgent, fleet: str, severity: str) -> dict[str, str]:
    return {"agent": agent.name, "tenant": agent.tenant, "severity": severity, "fleet": fleet}


def agent_down(a: MonitoredAgent) -> Rule:
    s = sel.deployment(a)
    available = f"kube_deployment_status_replicas_available{s}"
    return {
        "alert": "AgentDown",
        # `absent` also fires when the Deployment is gone from the cluster while the fleet still declares it.
        "expr": f"{available} < 1 or absent({available})",
        "for": "5m",
        "severity": CRITICAL,
        "summary": f"Agent {a.name} has no available replica",
        "runbook": f"kubectl -n {a.namespace} describe deployment {a.deployment}; check pod events, image pulls, "
        f"the readiness probe (/health) and `kubectl -n {a.namespace} logs deploy/{a.deployment} -c {a.container}`.",
    }


def agent_crash_looping(a: MonitoredAgent) -> Rule:
    s = sel.container(a, reason="CrashLoopBackOff")
    return {
        "alert": "AgentCrashLooping",
        # max_over_time: the waiting reason flips between CrashLoopBackOff and running during each retry.
        "expr": f"max_over_time(kube_pod_container_status_waiting_reason{s}[5m]) >= 1",
        "for": "10m",
        "severity": CRITICAL,
        "summary": f"Agent {a.name}: pod {{{{ $labels.pod }}}} is crash-looping",
        "runbook": f"kubectl -n {a.namespace} logs {{{{ $labels.pod }}}} -c {a.container} --previous; "
        "look for a missing secret or model API key, a plugin failing to load, or the database being unreachable.",
    }


def agent_oom_killed(a: MonitoredAgent) -> Rule:
    restarts = sel.container(a)
    oom = sel.container(a, reason="OOMKilled")
    return {
        "alert": "AgentOOMKilled",
        # The last-terminated reason stays OOMKilled until the next termination: only a restart in the window
        # makes it news.
        "expr": f"increase(kube_pod_container_status_restarts_total{restarts}[10m]) > 0 "
        f"and on (namespace, pod, container) kube_pod_container_status_last_terminated_reason{oom} == 1",
        "for": "0m",
        "severity": WARNING,
        "summary": f"Agent {a.name}: pod {{{{ $labels.pod }}}} was OOM-killed",
        "runbook": f"The memory limit ({a.memory_limit_bytes} bytes) is too tight: elizaOS sits at 1.6-2.1 GB. "
        "Raise resources.limits.memory in the agent file, or drop plugins it does not need.",
    }


def agent_memory_near_limit(a: MonitoredAgent) -> Rule:
    ws = f"max by (namespace, pod, container) (container_memory_working_set_bytes{sel.container(a)})"
    lim_sel = sel.container(a, resource="memory")
    limit = f"max by (namespace, pod, container) (kube_pod_container_resource_limits{lim_sel})"
    return {
        "alert": "AgentMemoryNearLimit",
        # The live limit from kube-state-metrics wins (it follows a rollout); the limit the fleet declares is the
        # fallback when kube-state-metrics does not export limits.
        "expr": f"{ws} / on (namespace, pod, container) {limit} > {MEMORY_NEAR_LIMIT} "
        f"or ({ws} / {a.memory_limit_bytes} > {MEMORY_NEAR_LIMIT} unless on (namespace, pod, container) {limit})",
        "for": "10m",
        "severity": CRITICAL,
        "summary": f"Agent {a.name}: pod {{{{ $labels.pod }}}} uses {{{{ $value | humanizePercentage }}}} "
        "of its memory limit",
        "runbook": f"An OOM kill is near. Check `kubectl -n {a.namespace} top pod {{{{ $labels.pod }}}}` and the "
        "memory panel of the agent dashboard; raise resources.limits.memory in the agent file.",
    }


def agent_cpu_throttled(a: MonitoredAgent) -> Rule:
    s = sel.container(a)
    by = "sum by (namespace, pod, container)"
    return {
        "alert": "AgentCPUThrottled",
        "expr": f"{by} (rate(container_cpu_cfs_throttled_periods_total{s}[5m])) / "
        f"{by} (rate(container_cpu_cfs_periods_total{s}[5m])) > {CPU_THROTTLED}",
        "for": "15m",
        "severity": WARNING,
        "summary": f"Agent {a.name}: pod {{{{ $labels.pod }}}} is CPU-throttled "
        "{{ $value | humanizePercentage }} of the time",
        "runbook": f"The CPU limit ({a.cpu_limit_cores} cores) slows replies; raise resources.limits.cpu in the "
        "agent file or check the CPU panel of the agent dashboard for a runaway plugin.",
    }


def agent_at_max_replicas(a: MonitoredAgent) -> Rule:
    s = sel.hpa(a)
    return {
        "alert": "AgentAtMaxReplicas",
        "expr": f"kube_horizontalpodautoscaler_status_current_replicas{s} "
        f">= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{s}",
        "for": "15m",
        "severity": WARNING,
        # The maximum comes from the live series ($value), not the agent file, so a scaling change updates
        # only the agent's HPA, not the fleet's rules.
        "summary": f"Agent {a.name} has run at its maximum of {{{{ $value }}}} replicas for 15 minutes",
        "runbook": f"kubectl -n {a.namespace} describe hpa {a.deployment}; raise scaling.maxReplicas in the agent "
        "file if the load is real, or look for a plugin burning CPU.",
    }


def agent_health_check_failing(a: MonitoredAgent) -> Rule:
    # `instance` is the probed URL, which holds the Service's namespace: unique in the cluster, whatever
    # other fleets share this Prometheus. `job` is the Probe's jobName.
    s = f'{{job="{probes.JOB_NAME}", instance="{probes.health_url(a)}"}}'
    return {
        "alert": "AgentHealthCheckFailing",
        # Pods can be Ready while the Service routes nowhere (a selector or NetworkPolicy mistake): only a
        # probe from outside the pod sees that. AgentDown covers the case where no replica is available.
        "expr": f"max by (instance) (probe_success{s}) == 0",
        "for": "5m",
        "severity": CRITICAL,
        "summary": f"Agent {a.name}: {probes.HEALTH_PATH} through its Service has failed for 5 minutes",
        "runbook": f"kubectl -n {a.namespace} get endpoints {a.service}; check the Service selector, the "
        "NetworkPolicy (ingress from the monitoring namespace) and the probe_* series of the agent dashboard.",
    }


def _per_agent(a: MonitoredAgent, health_probes: bool) -> list[Callable[[MonitoredAgent], Rule]]:
    makers: list[Callable[[MonitoredAgent], Rule]] = [
        agent_down,
        agent_crash_looping,
        agent_oom_killed,
        agent_memory_near_limit,
        agent_cpu_throttled,
    ]
    # Without an autoscaler (or with min == max) the agent always runs at its maximum: nothing to report.
    if a.autoscaled and a.max_replicas > a.min_replicas:
        makers.append(agent_at_max_replicas)
    if health_probes:
        makers.append(agent_health_check_failing)
    return makers


def restart_storm_threshold(agents: Sequence[MonitoredAgent]) -> int:
    """Restarting pods that make a storm: a third of the fleet, at least 3 (fewer is one agent's trouble,
    which AgentCrashLooping reports)."""
    return max(3, math.ceil(len(agents) / 3))


def restart_storm(agents: Sequence[MonitoredAgent], fleet: str, threshold: int) -> Rule:
    s = sel.fleet_containers(agents)
    return {
        "alert": "AgentRestartStorm",
        "expr": f"count(increase(kube_pod_container_status_restarts_total{s}[{RESTART_STORM_WINDOW}]) > 0) "
        f">= {threshold}",
        "for": "2m",
        "labels": {"agent": FLEET_WIDE, "tenant": FLEET_WIDE, "severity": CRITICAL, "fleet": fleet},
        "annotations": {
            "summary": f"{{{{ $value }}}} agent pods of fleet {fleet} restarted in the last {RESTART_STORM_WINDOW}",
            "runbook": "Many agents at once point at something shared: node pressure or evictions "
            "(kubectl get events -A), the database, the model API, or a bad shared image or defaults file.",
        },
    }


def _finish(rule: Rule, agent: MonitoredAgent, fleet: str) -> Rule:
    out: Rule = {"alert": rule["alert"], "expr": rule["expr"]}
    if rule["for"] != "0m":
        out["for"] = rule["for"]
    out["labels"] = _labels(agent, fleet, rule["severity"])
    out["annotations"] = {"summary": rule["summary"], "runbook": rule["runbook"]}
    return out


def rule_groups(
    agents: Sequence[MonitoredAgent],
    fleet: str,
    restart_storm_pods: int | None = None,
    health_probes: bool = False,
) -> dict[str, Any]:
    """The PrometheusRule `spec`: one group per agent (evaluated independently), and a fleet group.
    `health_probes`: the stack runs the blackbox `/health` probes (probes.py), so their failure is alerted."""
    groups: list[dict[str, Any]] = [
        {
            "name": f"launchpad.{fleet}.agent.{a.name}",
            "rules": [_finish(make(a), a, fleet) for make in _per_agent(a, health_probes)],
        }
        for a in sorted(agents, key=lambda a: a.name)
    ]
    if agents:
        threshold = restart_storm_pods if restart_storm_pods is not None else restart_storm_threshold(agents)
        groups.append({"name": f"launchpad.{fleet}.fleet", "rules": [restart_storm(agents, fleet, threshold)]})
    return {"groups": groups}


def alert_names(spec: dict[str, Any]) -> set[str]:
    return {r["alert"] for g in spec["groups"] for r in g["rules"] if "alert" in r}


def prometheus_rule(
    agents: Sequence[MonitoredAgent],
    fleet: str,
    namespace: str,
    extra_labels: dict[str, str] | None = None,
    restart_storm_pods: int | None = None,
    health_probes: bool = False,
) -> dict[str, Any]:
    """The fleet's PrometheusRule manifest, labelled `launchpad.dev/fleet` (the architecture contract)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": f"launchpad-{fleet}-agents",
            "namespace": namespace,
            "labels": {**(extra_labels or {}), naming.FLEET_LABEL: fleet, "app.kubernetes.io/part-of": naming.PART_OF},
        },
        "spec": rule_groups(agents, fleet, restart_storm_pods, health_probes),
    }
