"""The fleet's alert rules: the `spec` of one PrometheusRule (monitoring.coreos.com/v1) per fleet.

One rule per alert, for every agent at once: each selects the agents by their labels (selectors.py records
an `agent`/`tenant` info series per agent object and joins to it) and aggregates `by (agent, tenant)` (plus
`namespace`, and `pod` where the alert is about one pod), as kube-prometheus' rules do for pods. The rule set
names no agent, so it is the same for 3 agents or 3,000: adding an agent changes nothing here, and the
PrometheusRule never grows toward etcd's object size limit.

Every alert carries the labels `agent`, `tenant` (from the series), `severity` and `fleet` (static), and the
annotations `summary` and `runbook`, so Alertmanager routes on severity and the agent dashboard lists an
agent's alerts. Thresholds are fleet-wide; what used to be per agent comes from live series instead: the
memory limit from kube-state-metrics (or cAdvisor's cgroup limit), the replica maximum from the HPA, the
restart-storm threshold from the number of agent Deployments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchpad import naming
from launchpad.monitoring import probes
from launchpad.monitoring.selectors import CONTAINER, DEPLOYMENTS, HPAS, KINDS, PODS, SERVICES
from launchpad.monitoring.severity import CRITICAL, WARNING, Severity

Rule = dict[str, Any]
# The fleet-wide rule concerns no single agent; `*` cannot be an agent or tenant name (DNS labels).
FLEET_WIDE = "*"
MEMORY_NEAR_LIMIT = 0.9
# Share of CFS periods throttled; 25% is kube-prometheus' CPUThrottlingHigh threshold.
CPU_THROTTLED = 0.25
RESTART_STORM_WINDOW = "15m"
# A restart storm is this share of the fleet's agents restarting at once, and at least RESTART_STORM_MIN pods
# (fewer is one agent's trouble, which AgentCrashLooping reports).
RESTART_STORM_SHARE = 3
RESTART_STORM_MIN = 3

AGENT_LEVEL = ("namespace", "agent", "tenant")
POD_LEVEL = ("namespace", "pod", "agent", "tenant")


@dataclass(frozen=True)
class Alert:
    alert: str
    by: tuple[str, ...]  # the labels the alert is aggregated by: always agent and tenant
    series: str  # a vector joined to the agent info series (it has agent, tenant and the `by` labels)
    condition: str  # appended to the aggregation, e.g. "> 0.9"
    for_: str
    severity: Severity
    summary: str
    runbook: str

    def rule(self, fleet: str) -> Rule:
        out: Rule = {"alert": self.alert, "expr": f"max by ({', '.join(self.by)}) ({self.series}) {self.condition}"}
        if self.for_ != "0m":
            out["for"] = self.for_
        out["labels"] = {"severity": self.severity, "fleet": fleet}
        out["annotations"] = {"summary": self.summary, "runbook": self.runbook}
        return out


def _ksm(metric: str, **matchers: str) -> str:
    extra = "".join(f', {k}="{v}"' for k, v in matchers.items())
    return f"{metric}{{{CONTAINER}{extra}}}"


def _by_container(agg: str, expr: str) -> str:
    return f"{agg} by (namespace, pod, container) ({expr})"


def agent_down() -> Alert:
    available = DEPLOYMENTS.join("kube_deployment_status_replicas_available")
    # An agent whose Deployment is gone while its Service is still there (deleted by hand, or a failed
    # rollout that removed it) has no replica either: the Service stands for the agent the fleet declares.
    declared = f"sum by (namespace, agent, tenant) ({SERVICES.record}) * 0"
    return Alert(
        "AgentDown",
        AGENT_LEVEL,
        f"sum by (namespace, agent, tenant) ({available}) or {declared}",
        "< 1",
        "5m",
        CRITICAL,
        "Agent {{ $labels.agent }} (tenant {{ $labels.tenant }}) has no available replica",
        "kubectl -n {{ $labels.namespace }} describe deployment {{ $labels.agent }} (a packed agent runs in its "
        "pack's Deployment: `kubectl -n {{ $labels.namespace }} get service {{ $labels.agent }} -L "
        f"{naming.PACK_LABEL}` names it); check pod events, image pulls, the readiness probe (/health) and "
        f"`kubectl -n {{{{ $labels.namespace }}}} logs deploy/<that Deployment> -c {naming.CONTAINER_NAME}`.",
    )


def agent_crash_looping() -> Alert:
    # max_over_time: the waiting reason flips between CrashLoopBackOff and running during each retry.
    waiting = f"max_over_time({_ksm('kube_pod_container_status_waiting_reason', reason='CrashLoopBackOff')}[5m])"
    return Alert(
        "AgentCrashLooping",
        POD_LEVEL,
        PODS.join(waiting),
        ">= 1",
        "10m",
        CRITICAL,
        "Agent {{ $labels.agent }}: pod {{ $labels.pod }} is crash-looping",
        f"kubectl -n {{{{ $labels.namespace }}}} logs {{{{ $labels.pod }}}} -c {naming.CONTAINER_NAME} --previous; "
        "look for a missing secret or model API key, a plugin failing to load, or the database being unreachable.",
    )


def agent_oom_killed() -> Alert:
    # The last-terminated reason stays OOMKilled until the next termination: only a restart in the window
    # makes it news.
    restarted = f"increase({_ksm('kube_pod_container_status_restarts_total')}[10m]) > 0"
    oom = f"{_ksm('kube_pod_container_status_last_terminated_reason', reason='OOMKilled')} == 1"
    return Alert(
        "AgentOOMKilled",
        POD_LEVEL,
        PODS.join(f"({restarted} and on (namespace, pod, container) {oom})"),
        "> 0",
        "0m",
        WARNING,
        "Agent {{ $labels.agent }}: pod {{ $labels.pod }} was OOM-killed",
        "The memory limit is below what this agent's plugins and traffic need: see the memory panel of the agent "
        "dashboard, then raise resources.limits.memory in the agent file, or drop plugins it does not need.",
    )


def agent_memory_near_limit() -> Alert:
    working_set = _by_container("max", _ksm("container_memory_working_set_bytes"))
    # The limit kube-state-metrics reports (it follows a rollout), else the cgroup limit cAdvisor reports
    # (0 means none).
    limit = (
        f"{_by_container('max', _ksm('kube_pod_container_resource_limits', resource='memory'))} or "
        f"{_by_container('max', _ksm('container_spec_memory_limit_bytes'))} > 0"
    )
    return Alert(
        "AgentMemoryNearLimit",
        POD_LEVEL,
        PODS.join(f"({working_set} / on (namespace, pod, container) ({limit}))"),
        f"> {MEMORY_NEAR_LIMIT}",
        "10m",
        CRITICAL,
        "Agent {{ $labels.agent }}: pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit",
        "An OOM kill is near. Check `kubectl -n {{ $labels.namespace }} top pod {{ $labels.pod }}` and the memory "
        "panel of the agent dashboard; raise resources.limits.memory in the agent file.",
    )


def agent_cpu_throttled() -> Alert:
    throttled = _by_container("sum", f"rate({_ksm('container_cpu_cfs_throttled_periods_total')}[5m])")
    periods = _by_container("sum", f"rate({_ksm('container_cpu_cfs_periods_total')}[5m])")
    return Alert(
        "AgentCPUThrottled",
        POD_LEVEL,
        PODS.join(f"({throttled} / {periods})"),
        f"> {CPU_THROTTLED}",
        "15m",
        WARNING,
        "Agent {{ $labels.agent }}: pod {{ $labels.pod }} is CPU-throttled {{ $value | humanizePercentage }} "
        "of the time",
        "The CPU limit slows replies; raise resources.limits.cpu in the agent file or check the CPU panel of the "
        "agent dashboard for a runaway plugin.",
    )


def agent_at_max_replicas() -> Alert:
    # Only autoscaled agents have an HPA (launchpad.workloads), so only they can raise this. The maximum comes
    # from the live series, so a scaling change updates only the agent's HPA, never the rules.
    at_max = (
        "(kube_horizontalpodautoscaler_status_current_replicas >= on (namespace, horizontalpodautoscaler) "
        "kube_horizontalpodautoscaler_spec_max_replicas)"
    )
    return Alert(
        "AgentAtMaxReplicas",
        AGENT_LEVEL,
        HPAS.join(at_max),
        "> 0",
        "15m",
        WARNING,
        "Agent {{ $labels.agent }} has run at its maximum of {{ $value }} replicas for 15 minutes",
        "kubectl -n {{ $labels.namespace }} describe hpa {{ $labels.agent }}; raise scaling.maxReplicas in the "
        "agent file if the load is real, or look for a plugin burning CPU.",
    )


def agent_health_check_failing() -> Alert:
    # The health scrape (probes.py) labels each probe with the agent and tenant of the Service it probes.
    return Alert(
        "AgentHealthCheckFailing",
        (*AGENT_LEVEL, "instance"),
        f'probe_success{{job="{probes.JOB_NAME}"}}',
        "== 0",
        "5m",
        CRITICAL,
        f"Agent {{{{ $labels.agent }}}}: {probes.HEALTH_PATH} through its Service has failed for 5 minutes",
        # Pods can be Ready while the Service routes nowhere (a selector or NetworkPolicy mistake): only a
        # probe from outside the pod sees that. AgentDown covers the case where no replica is available.
        "kubectl -n {{ $labels.namespace }} get endpoints {{ $labels.agent }}; check the Service selector, the "
        "NetworkPolicy (ingress from the monitoring namespace) and the probe_* series of the agent dashboard.",
    )


def agent_alerts(health_probes: bool) -> list[Alert]:
    alerts = [
        agent_down(),
        agent_crash_looping(),
        agent_oom_killed(),
        agent_memory_near_limit(),
        agent_cpu_throttled(),
        agent_at_max_replicas(),
    ]
    if health_probes:
        alerts.append(agent_health_check_failing())
    return alerts


def restart_storm(fleet: str, threshold: int | None) -> Rule:
    restarts = _ksm("kube_pod_container_status_restarts_total")
    restarting = PODS.join(f"increase({restarts}[{RESTART_STORM_WINDOW}])") + " > 0"
    agents = f"count({DEPLOYMENTS.record})"
    at_least = f"clamp_min(ceil({agents} / {RESTART_STORM_SHARE}), {RESTART_STORM_MIN})"
    if threshold is not None:
        at_least = str(threshold)
    return {
        "alert": "AgentRestartStorm",
        "expr": f"count({restarting}) >= {at_least}",
        "for": "2m",
        "labels": {"agent": FLEET_WIDE, "tenant": FLEET_WIDE, "severity": CRITICAL, "fleet": fleet},
        "annotations": {
            "summary": f"{{{{ $value }}}} agent pods of fleet {fleet} restarted in the last {RESTART_STORM_WINDOW}",
            "runbook": "Many agents at once point at something shared: node pressure or evictions "
            "(kubectl get events -A), the database, the model API, or a bad shared image or defaults file.",
        },
    }


def recording_rules() -> list[Rule]:
    return [{"record": kind.record, "expr": kind.info_expr()} for kind in KINDS]


def rule_groups(fleet: str, restart_storm_pods: int | None = None, health_probes: bool = False) -> dict[str, Any]:
    """The PrometheusRule `spec`: one group, evaluated in order, so the alerts see the info series recorded
    in the same evaluation. `restart_storm_pods`: a fixed AgentRestartStorm threshold instead of a third of
    the fleet. `health_probes`: the stack scrapes the agents' `/health` (probes.py), so its failure is alerted."""
    rules = [
        *recording_rules(),
        *(a.rule(fleet) for a in agent_alerts(health_probes)),
        restart_storm(fleet, restart_storm_pods),
    ]
    return {"groups": [{"name": f"launchpad.{fleet}.agents", "rules": rules}]}


def alert_names(spec: dict[str, Any]) -> set[str]:
    return {r["alert"] for g in spec["groups"] for r in g["rules"] if "alert" in r}


def prometheus_rule(
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
        "spec": rule_groups(fleet, restart_storm_pods, health_probes),
    }
