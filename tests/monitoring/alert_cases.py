"""Synthetic series for `promtool test rules`: for every alert and every agent, a case where the whole fleet
reports in, the agent under test misbehaves and every other agent behaves normally (plus, where it applies,
an unlabelled neighbour pod in the same namespace misbehaving too), so the alert must fire for exactly that
agent, with the exact labels and annotations expected; and a near miss where it must stay quiet.

The expectations are written out here by hand (what an operator would read), not derived from the rule
code, so a rule that selects the wrong series or renders the wrong text fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.monitoring.agents import AGENTS, CADVISOR, FLEET, KSM, LIMIT, Agent, available, healthy_fleet, pod, series

Series = list[dict[str, str]]
Signal = Callable[[Agent, str], Series]  # (agent, "fire" | "normal" | "near") -> its series


@dataclass
class Case:
    alert: str
    agent: str  # `*` for the fleet-wide alert
    eval_time: str
    fire: Series  # every agent's series: the one under test makes it fire
    quiet: Series  # the same with a near miss
    labels: dict[str, str]  # expected labels of the one alert
    summary: str
    runbook_has: str = ""  # the runbook is long prose: check it is there and mentions this
    baseline: Series = field(default_factory=healthy_fleet)

    @property
    def id(self) -> str:
        return f"{self.alert}-{self.agent}"


def _agent_labels(a: Agent, severity: str, **extra: str) -> dict[str, str]:
    return {
        "agent": a.name,
        "tenant": a.tenant,
        "namespace": a.namespace,
        "severity": severity,
        "fleet": FLEET,
        **extra,
    }


def _fleet(a: Agent, signal: Signal, level: str, agents: list[Agent]) -> Series:
    """Every agent's signal at `level` for `a` (a packed agent too: its signal is its pack's) and normal otherwise."""
    return [s for b in (agents if a in agents else [*agents, a]) for s in signal(b, level if b == a else "normal")]


def _container(a: Agent, replica: int = 0, **extra: str) -> dict[str, str]:
    return {"namespace": a.namespace, "pod": pod(a, replica), "container": "eliza", **extra}


def _neighbour(a: Agent) -> str:
    """A pod of another workload in the agent's namespace, whose name starts with the agent's: not an agent
    (its kube-state-metrics label series has no agent label), so nothing it does may page for the agent."""
    return f"{a.name}-extra-7d9f5c6b8-abcde"


def _neighbour_labels(a: Agent) -> dict[str, str]:
    labels = {"namespace": a.namespace, "pod": _neighbour(a), "uid": f"uid-{a.name}-extra", **KSM}
    return {"series": series("kube_pod_labels", labels), "values": "1x40"}


def down(a: Agent) -> Case:
    def signal(b: Agent, level: str) -> Series:
        return [available(b, {"fire": "0x15", "near": "0 0 0 1x12", "normal": "1x15"}[level])]

    # A Deployment of another workload, unavailable, in the same namespace.
    other = {
        "series": series(
            "kube_deployment_status_replicas_available", {"namespace": a.namespace, "deployment": _neighbour(a), **KSM}
        ),
        "values": "0x15",
    }
    return Case(
        "AgentDown",
        a.name,
        "10m",
        fire=[*_fleet(a, signal, "fire", AGENTS), other],
        quiet=_fleet(a, signal, "near", AGENTS),  # a short dip, shorter than `for`
        labels=_agent_labels(a, "critical"),
        summary=f"Agent {a.name} (tenant {a.tenant}) has no available replica",
        runbook_has=f"kubectl -n {a.namespace} describe deployment {a.name}",
        # Every agent's availability but the packed agents' (their pack stays available) comes with the case.
        baseline=[s for s in healthy_fleet() if s not in [available(b) for b in AGENTS]],
    )


def crash_looping(a: Agent) -> Case:
    def waiting(labels: dict[str, str], values: str) -> dict[str, str]:
        return {
            "series": series(
                "kube_pod_container_status_waiting_reason", {**labels, "reason": "CrashLoopBackOff", **KSM}
            ),
            "values": values,
        }

    def signal(b: Agent, level: str) -> Series:
        if level == "normal":
            return []  # kube-state-metrics reports a waiting reason only while a container waits
        return [waiting(_container(b), "1x20" if level == "fire" else "1x3 0x17")]  # near: it recovered

    neighbour = waiting({"namespace": a.namespace, "pod": _neighbour(a), "container": "eliza"}, "1x20")
    return Case(
        "AgentCrashLooping",
        a.name,
        "15m",
        fire=[*_fleet(a, signal, "fire", AGENTS), neighbour, _neighbour_labels(a)],
        quiet=_fleet(a, signal, "near", AGENTS),
        labels=_agent_labels(a, "critical", pod=pod(a)),
        summary=f"Agent {a.name}: pod {pod(a)} is crash-looping",
        runbook_has=f"logs {pod(a)} -c eliza --previous",
    )


def oom_killed(a: Agent) -> Case:
    def terminated(labels: dict[str, str], reason: str) -> Series:
        return [
            {
                "series": series("kube_pod_container_status_restarts_total", {**labels, **KSM}),
                "values": "0 0 0 0 0 1 1 1 1 1",
            },
            {
                "series": series(
                    "kube_pod_container_status_last_terminated_reason", {**labels, "reason": reason, **KSM}
                ),
                "values": "_ _ _ _ _ 1 1 1 1 1",
            },
        ]

    def signal(b: Agent, level: str) -> Series:
        if level == "normal":
            return [
                {
                    "series": series("kube_pod_container_status_restarts_total", {**_container(b), **KSM}),
                    "values": "0x10",
                }
            ]
        return terminated(_container(b), "OOMKilled" if level == "fire" else "Error")  # near: not for memory

    neighbour = terminated({"namespace": a.namespace, "pod": _neighbour(a), "container": "eliza"}, "OOMKilled")
    return Case(
        "AgentOOMKilled",
        a.name,
        "7m",
        fire=_fleet(a, signal, "fire", AGENTS) + neighbour + [_neighbour_labels(a)],
        quiet=_fleet(a, signal, "near", AGENTS),
        labels=_agent_labels(a, "warning", pod=pod(a)),
        summary=f"Agent {a.name}: pod {pod(a)} was OOM-killed",
        runbook_has="raise resources.limits.memory",
    )


def memory(labels: dict[str, str], used: int, limit_series: bool = True) -> Series:
    ws = series("container_memory_working_set_bytes", {**labels, **CADVISOR, "image": "registry.example/eliza:1.7.2"})
    found = [{"series": ws, "values": f"{used}x20"}]
    if limit_series:
        limit = series("kube_pod_container_resource_limits", {**labels, **KSM, "resource": "memory", "unit": "byte"})
        found.append({"series": limit, "values": f"{LIMIT}x20"})
    return found


def memory_near_limit(a: Agent) -> Case:
    def signal(b: Agent, level: str) -> Series:
        share = {"fire": 95, "near": 85, "normal": 50}[level]  # near: a busy agent, under the line
        return memory(_container(b), LIMIT * share // 100)

    neighbour = memory({"namespace": a.namespace, "pod": _neighbour(a), "container": "eliza"}, LIMIT)
    return Case(
        "AgentMemoryNearLimit",
        a.name,
        "15m",
        fire=_fleet(a, signal, "fire", AGENTS) + neighbour + [_neighbour_labels(a)],
        quiet=_fleet(a, signal, "near", AGENTS),
        labels=_agent_labels(a, "critical", pod=pod(a)),
        summary=f"Agent {a.name}: pod {pod(a)} uses 95% of its memory limit",
        runbook_has=f"top pod {pod(a)}",
    )


def cpu_throttled(a: Agent) -> Case:
    def throttled(labels: dict[str, str], per_minute: int) -> Series:
        return [
            {"series": series("container_cpu_cfs_periods_total", {**labels, **CADVISOR}), "values": "0+100x30"},
            {
                "series": series("container_cpu_cfs_throttled_periods_total", {**labels, **CADVISOR}),
                "values": f"0+{per_minute}x30",
            },
        ]

    def signal(b: Agent, level: str) -> Series:
        return throttled(_container(b), {"fire": 50, "near": 10, "normal": 0}[level])

    neighbour = throttled({"namespace": a.namespace, "pod": _neighbour(a), "container": "eliza"}, 90)
    return Case(
        "AgentCPUThrottled",
        a.name,
        "25m",
        fire=_fleet(a, signal, "fire", AGENTS) + neighbour + [_neighbour_labels(a)],
        quiet=_fleet(a, signal, "near", AGENTS),
        labels=_agent_labels(a, "warning", pod=pod(a)),
        summary=f"Agent {a.name}: pod {pod(a)} is CPU-throttled 50% of the time",
        runbook_has="raise resources.limits.cpu",
    )


MAX_REPLICAS = 6


def at_max_replicas(a: Agent) -> Case:
    def running(b: Agent, current: int) -> Series:
        where = {"namespace": b.namespace, "horizontalpodautoscaler": b.name, **KSM}
        return [
            {
                "series": series("kube_horizontalpodautoscaler_status_current_replicas", where),
                "values": f"{current}x25",
            },
            {"series": series("kube_horizontalpodautoscaler_spec_max_replicas", where), "values": f"{MAX_REPLICAS}x25"},
        ]

    def signal(b: Agent, level: str) -> Series:
        if not b.autoscaled:
            return []  # no HPA: the fleet gives one only to autoscaled agents
        return running(b, {"fire": MAX_REPLICAS, "near": MAX_REPLICAS - 1, "normal": 2}[level])

    return Case(
        "AgentAtMaxReplicas",
        a.name,
        "20m",
        fire=_fleet(a, signal, "fire", AGENTS),
        quiet=_fleet(a, signal, "near", AGENTS),
        labels=_agent_labels(a, "warning"),
        summary=f"Agent {a.name} has run at its maximum of {MAX_REPLICAS} replicas for 15 minutes",
        runbook_has=f"describe hpa {a.name}",
    )


def health_url(a: Agent) -> str:
    return f"http://{a.name}.{a.namespace}.svc:3000/health"


def health_check_failing(a: Agent) -> Case:
    def signal(b: Agent, level: str) -> Series:
        # What the health ScrapeConfig's relabelling gives the blackbox exporter's series (probes.py).
        probe = {
            "job": "launchpad-agent-health",
            "instance": health_url(b),
            "agent": b.name,
            "tenant": b.tenant,
            "namespace": b.namespace,
        }
        values = {"fire": "1 1 0x12", "near": "1 1 0 0 0 1x10", "normal": "1x14"}[level]  # near: a blip
        return [{"series": series("probe_success", probe), "values": values}]

    return Case(
        "AgentHealthCheckFailing",
        a.name,
        "10m",
        fire=_fleet(a, signal, "fire", AGENTS),
        quiet=_fleet(a, signal, "near", AGENTS),
        labels=_agent_labels(a, "critical", instance=health_url(a)),
        summary=f"Agent {a.name}: /health through its Service has failed for 5 minutes",
        runbook_has=f"kubectl -n {a.namespace} get endpoints {a.name}",
    )


PER_AGENT: dict[str, Callable[[Agent], Case]] = {
    "AgentDown": down,
    "AgentCrashLooping": crash_looping,
    "AgentOOMKilled": oom_killed,
    "AgentMemoryNearLimit": memory_near_limit,
    "AgentCPUThrottled": cpu_throttled,
    "AgentAtMaxReplicas": at_max_replicas,
    "AgentHealthCheckFailing": health_check_failing,
}


def restarting(pods: list[tuple[Agent, int]]) -> Series:
    return [
        {
            "series": series("kube_pod_container_status_restarts_total", {**_container(a, r), **KSM}),
            "values": "0 1 2 3 4 5 6 7 8 9",
        }
        for a, r in pods
    ]


def restart_storm(agents: list[Agent], threshold: int) -> Case:
    """`threshold` pods of the fleet's agents restart (fires), or one fewer (quiet). The baseline labels
    every pod that restarts."""
    pods = [(a, r) for r in range(threshold) for a in agents][:threshold]
    baseline = healthy_fleet(agents, packed=[])
    baseline += [
        {
            "series": series(
                "kube_pod_labels",
                {
                    "namespace": a.namespace,
                    "pod": pod(a, r),
                    "uid": f"u-{a.name}-{r}",
                    "label_launchpad_dev_agent": a.name,
                    "label_launchpad_dev_tenant": a.tenant,
                    **KSM,
                },
            ),
            "values": "1x40",
        }
        for a, r in pods
        if r > 0
    ]
    return Case(
        "AgentRestartStorm",
        "*",
        "5m",
        fire=restarting(pods),
        quiet=restarting(pods[:-1]),
        labels={"agent": "*", "tenant": "*", "severity": "critical", "fleet": FLEET},
        summary=f"{threshold} agent pods of fleet {FLEET} restarted in the last 15m",
        runbook_has="kubectl get events -A",
        baseline=baseline,
    )


def test_file(rule_file: str, case: Case, runbook: str, fires: bool) -> dict[str, Any]:
    """A promtool test file for one case. `runbook` is the expected runbook text (checked separately for
    `runbook_has`), since promtool compares annotations exactly."""
    alerts = []
    if fires:
        alerts = [{"exp_labels": case.labels, "exp_annotations": {"summary": case.summary, "runbook": runbook}}]
    group = {
        "name": f"{case.id} {'fires' if fires else 'stays quiet'}",
        "interval": "1m",
        "input_series": case.baseline + (case.fire if fires else case.quiet),
        "alert_rule_test": [{"eval_time": case.eval_time, "alertname": case.alert, "exp_alerts": alerts}],
    }
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": [group]}
