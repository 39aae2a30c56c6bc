"""Synthetic series for `promtool test rules`: for every alert of every agent, a case where it must fire
(with the exact labels and annotations expected) and a near miss where it must stay quiet.

The expectations are written out here by hand (what an operator would read), not derived from the rule
code, so a rule that selects the wrong series or renders the wrong text fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from launchpad.monitoring.model import MonitoredAgent
from tests.monitoring.agents import AGENTS, FLEET, LIMIT, pod

KSM = {"job": "kube-state-metrics"}
CADVISOR = {"job": "kubelet", "metrics_path": "/metrics/cadvisor"}


def series(metric: str, labels: dict[str, str]) -> str:
    return metric + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


@dataclass
class Case:
    alert: str
    agent: str  # `*` for the fleet-wide alert
    eval_time: str
    fire: list[dict[str, str]]  # input series (series, values) that make it fire
    quiet: list[dict[str, str]]  # a near miss
    labels: dict[str, str] = field(default_factory=dict)  # expected, beyond the rule's static labels
    summary: str = ""
    runbook_has: str = ""  # the runbook is long prose: check it is there and mentions this

    @property
    def id(self) -> str:
        return f"{self.alert}-{self.agent}"


def _static(a: MonitoredAgent, severity: str) -> dict[str, str]:
    return {"agent": a.name, "tenant": a.tenant, "severity": severity, "fleet": FLEET}


def healthy_fleet(except_agent: str | None = None) -> list[dict[str, str]]:
    """Every agent available: without it AgentDown's absent() branch fires for the agents a case ignores."""
    return [
        {
            "series": series(
                "kube_deployment_status_replicas_available", {"namespace": a.namespace, "deployment": a.name, **KSM}
            ),
            "values": "1x40",
        }
        for a in AGENTS
        if a.name != except_agent
    ]


def down(a: MonitoredAgent) -> Case:
    s = series("kube_deployment_status_replicas_available", {"namespace": a.namespace, "deployment": a.name, **KSM})
    return Case(
        "AgentDown",
        a.name,
        "10m",
        fire=[{"series": s, "values": "0x15"}],
        quiet=[{"series": s, "values": "0 0 0 1x12"}],  # a short dip, shorter than `for`
        labels={**_static(a, "critical"), "namespace": a.namespace, "deployment": a.name, **KSM},
        summary=f"Agent {a.name} has no available replica",
        runbook_has=f"kubectl -n {a.namespace} describe deployment {a.name}",
    )


def crash_looping(a: MonitoredAgent) -> Case:
    labels = {"namespace": a.namespace, "pod": pod(a), "container": "eliza", "reason": "CrashLoopBackOff", **KSM}
    # The near miss: a pod of a neighbour Deployment whose name starts with this agent's name.
    neighbour = {**labels, "pod": f"{a.name}-extra-7d9f5c6b8-abcde"}
    return Case(
        "AgentCrashLooping",
        a.name,
        "15m",
        fire=[{"series": series("kube_pod_container_status_waiting_reason", labels), "values": "1x20"}],
        quiet=[{"series": series("kube_pod_container_status_waiting_reason", neighbour), "values": "1x20"}],
        labels={**_static(a, "critical"), **labels},
        summary=f"Agent {a.name}: pod {pod(a)} is crash-looping",
        runbook_has=f"logs {pod(a)} -c eliza --previous",
    )


def oom_killed(a: MonitoredAgent) -> Case:
    base = {"namespace": a.namespace, "pod": pod(a), "container": "eliza", **KSM}
    restarts = series("kube_pod_container_status_restarts_total", base)

    def terminated(reason: str) -> list[dict[str, str]]:
        last = series("kube_pod_container_status_last_terminated_reason", {**base, "reason": reason})
        return [
            {"series": restarts, "values": "0 0 0 0 0 1 1 1 1 1"},
            {"series": last, "values": "_ _ _ _ _ 1 1 1 1 1"},
        ]

    return Case(
        "AgentOOMKilled",
        a.name,
        "7m",
        fire=terminated("OOMKilled"),
        quiet=terminated("Error"),  # restarted, but not for memory
        labels={**_static(a, "warning"), **base},
        summary=f"Agent {a.name}: pod {pod(a)} was OOM-killed",
        runbook_has=f"The memory limit ({LIMIT} bytes)",
    )


def memory_near_limit(a: MonitoredAgent) -> Case:
    where = {"namespace": a.namespace, "pod": pod(a), "container": "eliza"}

    def using(bytes_: int) -> list[dict[str, str]]:
        ws = series("container_memory_working_set_bytes", {**where, **CADVISOR, "image": "ghcr.io/acme/eliza:1.7.2"})
        limit = series("kube_pod_container_resource_limits", {**where, **KSM, "resource": "memory", "unit": "byte"})
        return [{"series": ws, "values": f"{bytes_}x20"}, {"series": limit, "values": f"{LIMIT}x20"}]

    return Case(
        "AgentMemoryNearLimit",
        a.name,
        "15m",
        fire=using(LIMIT * 95 // 100),
        quiet=using(LIMIT * 85 // 100),  # elizaOS' usual 1.7 GB on a 2 GB limit
        labels={**_static(a, "critical"), **where},
        summary=f"Agent {a.name}: pod {pod(a)} uses 95% of its memory limit",
        runbook_has=f"top pod {pod(a)}",
    )


def cpu_throttled(a: MonitoredAgent) -> Case:
    where = {"namespace": a.namespace, "pod": pod(a), "container": "eliza"}

    def throttled(per_minute: int) -> list[dict[str, str]]:
        return [
            {"series": series("container_cpu_cfs_periods_total", {**where, **CADVISOR}), "values": "0+100x30"},
            {
                "series": series("container_cpu_cfs_throttled_periods_total", {**where, **CADVISOR}),
                "values": f"0+{per_minute}x30",
            },
        ]

    return Case(
        "AgentCPUThrottled",
        a.name,
        "25m",
        fire=throttled(50),
        quiet=throttled(10),
        labels={**_static(a, "warning"), **where},
        summary=f"Agent {a.name}: pod {pod(a)} is CPU-throttled 50% of the time",
        runbook_has="raise resources.limits.cpu",
    )


def at_max_replicas(a: MonitoredAgent) -> Case:
    where = {"namespace": a.namespace, "horizontalpodautoscaler": a.name, **KSM}

    def running(current: int) -> list[dict[str, str]]:
        return [
            {
                "series": series("kube_horizontalpodautoscaler_status_current_replicas", where),
                "values": f"{current}x25",
            },
            {
                "series": series("kube_horizontalpodautoscaler_spec_max_replicas", where),
                "values": f"{a.max_replicas}x25",
            },
        ]

    return Case(
        "AgentAtMaxReplicas",
        a.name,
        "20m",
        fire=running(a.max_replicas),
        quiet=running(a.max_replicas - 1),
        # One-to-one matching `on (namespace, horizontalpodautoscaler)` keeps those labels only.
        labels={**_static(a, "warning"), "namespace": a.namespace, "horizontalpodautoscaler": a.name},
        summary=f"Agent {a.name} has run at its maximum of {a.max_replicas} replicas for 15 minutes",
        runbook_has=f"describe hpa {a.name}",
    )


def restart_storm(agents: Sequence[MonitoredAgent], threshold: int) -> Case:
    pods = [(a, pod(a, r)) for r in range(threshold) for a in agents][:threshold]

    def restarting(n: int) -> list[dict[str, str]]:
        return [
            {
                "series": series(
                    "kube_pod_container_status_restarts_total",
                    {"namespace": a.namespace, "pod": p, "container": "eliza", **KSM},
                ),
                "values": "0 1 2 3 4 5 6 7 8 9",
            }
            for a, p in pods[:n]
        ]

    return Case(
        "AgentRestartStorm",
        "*",
        "5m",
        fire=restarting(threshold),
        quiet=restarting(threshold - 1),
        labels={"agent": "*", "tenant": "*", "severity": "critical", "fleet": FLEET},
        summary=f"{threshold} agent pods of fleet {FLEET} restarted in the last 15m",
        runbook_has="kubectl get events -A",
    )


def health_check_failing(a: MonitoredAgent) -> Case:
    instance = f"http://{a.service}.{a.namespace}.svc:3000/health"
    # What the blackbox exporter's Probe produces: job = the Probe's jobName, the Probe's static labels.
    probe = {"job": "launchpad-agent-health", "instance": instance, "agent": a.name, "tenant": a.tenant, "fleet": FLEET}
    # The near miss: a different agent's probe failing must not page for this one.
    other = f"http://other.{a.namespace}.svc:3000/health"
    return Case(
        "AgentHealthCheckFailing",
        a.name,
        "10m",
        fire=[{"series": series("probe_success", probe), "values": "1 1 0x12"}],
        quiet=[
            {"series": series("probe_success", probe), "values": "1 1 0 0 0 1x10"},  # a blip shorter than `for`
            {"series": series("probe_success", {**probe, "instance": other}), "values": "0x12"},
        ],
        labels={**_static(a, "critical"), "instance": instance},
        summary=f"Agent {a.name}: /health through its Service has failed for 5 minutes",
        runbook_has=f"kubectl -n {a.namespace} get endpoints {a.service}",
    )


PER_AGENT: dict[str, Callable[[MonitoredAgent], Case]] = {
    "AgentDown": down,
    "AgentCrashLooping": crash_looping,
    "AgentOOMKilled": oom_killed,
    "AgentMemoryNearLimit": memory_near_limit,
    "AgentCPUThrottled": cpu_throttled,
    "AgentAtMaxReplicas": at_max_replicas,
    "AgentHealthCheckFailing": health_check_failing,
}


def _group(case: Case, inputs: list[dict[str, str]], alerts: list[dict[str, Any]], name: str) -> dict[str, Any]:
    baseline = healthy_fleet(except_agent=case.agent if case.alert == "AgentDown" else None)
    return {
        "name": f"{case.id} {name}",
        "interval": "1m",
        "input_series": baseline + inputs,
        "alert_rule_test": [{"eval_time": case.eval_time, "alertname": case.alert, "exp_alerts": alerts}],
    }


def test_file(rule_file: str, case: Case, runbook: str, fires: bool) -> dict[str, Any]:
    """A promtool test file for one case. `runbook` is the expected runbook text (checked separately for
    `runbook_has`), since promtool compares annotations exactly."""
    if fires:
        expected = [{"exp_labels": case.labels, "exp_annotations": {"summary": case.summary, "runbook": runbook}}]
        group = _group(case, case.fire, expected, "fires")
    else:
        group = _group(case, case.quiet, [], "stays quiet")
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": [group]}
