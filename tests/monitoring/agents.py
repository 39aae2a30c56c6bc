"""A small fleet covering the cases the rules must tell apart: two agents of one tenant whose names share a
prefix (`bot`, `bot-two`: same namespace), an agent in its own namespace (tenant `default`), a third tenant,
autoscaled and fixed-size agents, and two agents of tenant acme packed in one server (PACKED: their pod and
Deployment are the pack's, labelled with the pack, and their Services carry agent, tenant and pack). Nothing here
is read by the rules: they select agents by labels only."""

from __future__ import annotations

from dataclasses import dataclass

FLEET = "dev"
KSM = {"job": "kube-state-metrics"}
CADVISOR = {"job": "kubelet", "metrics_path": "/metrics/cadvisor"}
# A round number, so humanizePercentage gives exact text in the promtool expectations.
LIMIT = 2_000_000_000


@dataclass(frozen=True)
class Agent:
    name: str
    tenant: str
    namespace: str
    autoscaled: bool
    pack: str | None = None  # the pack whose server runs it (its pod and Deployment are the pack's)

    @property
    def deployment(self) -> str:
        return self.pack or self.name


def agent(name: str, tenant: str | None, *, autoscaled: bool = False, pack: str | None = None) -> Agent:
    return Agent(name, tenant or "default", f"tenant-{tenant}" if tenant else f"agent-{name}", autoscaled, pack)


AGENTS = [
    agent("bot", "acme"),
    agent("bot-two", "acme", autoscaled=True),
    agent("web", None, autoscaled=True),
    agent("helper", "zeta"),
]


PACK = "pack-0a1b2c3d-b"
PACKED = [agent("pk-one", "acme", pack=PACK), agent("pk-two", "acme", pack=PACK)]


def by_name(name: str) -> Agent:
    (found,) = [a for a in [*AGENTS, *PACKED] if a.name == name]
    return found


def pod(a: Agent, replica: int = 0) -> str:
    """A pod name as the Deployment controller makes it: <deployment>-<template hash>-<5 chars>."""
    return f"{a.deployment}-7d9f5c6b8-{'abcde'[replica:]}{'fghij'[:replica]}"


def series(metric: str, labels: dict[str, str]) -> str:
    return metric + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _labels(a: Agent) -> dict[str, str]:
    # What kube-state-metrics exports with `--metric-labels-allowlist=<kind>=[launchpad.dev/agent,
    # launchpad.dev/tenant]`: `label_` + the key with `.` and `/` as `_` (written out by hand on purpose).
    return {"label_launchpad_dev_agent": a.name, "label_launchpad_dev_tenant": a.tenant, **KSM}


def info_series(a: Agent, pods: int = 1) -> list[dict[str, str]]:
    """kube-state-metrics' label series of the agent's objects, as they are while it runs (a packed agent: its
    Service; its pack's objects are pack_series)."""
    if a.pack is not None:
        labels = {**_labels(a), "label_launchpad_dev_pack": a.pack}
        return [{"series": series("kube_service_labels", {"namespace": a.namespace, "service": a.name, **labels}),
                 "values": "1x40"}]  # fmt: skip
    found = [
        series("kube_deployment_labels", {"namespace": a.namespace, "deployment": a.name, **_labels(a)}),
        series("kube_service_labels", {"namespace": a.namespace, "service": a.name, **_labels(a)}),
    ]
    found += [
        series(
            "kube_pod_labels", {"namespace": a.namespace, "pod": pod(a, r), "uid": f"uid-{a.name}-{r}", **_labels(a)}
        )
        for r in range(pods)
    ]
    if a.autoscaled:
        found.append(
            series(
                "kube_horizontalpodautoscaler_labels",
                {"namespace": a.namespace, "horizontalpodautoscaler": a.name, **_labels(a)},
            )
        )
    return [{"series": s, "values": "1x40"} for s in found]


def pack_pod_series(a: Agent, name: str, phase: str = "Running", values: str = "1x40") -> list[dict[str, str]]:
    """A pod of `a`'s pack: its label series (the pack's labels: no agent) and its phase."""
    where = {"namespace": a.namespace, "pod": name, "uid": f"uid-{name}", **KSM}
    labels = {**where, "label_launchpad_dev_pack": str(a.pack), "label_launchpad_dev_tenant": a.tenant}
    return [
        {"series": series("kube_pod_labels", labels), "values": values},
        {"series": series("kube_pod_status_phase", {**where, "phase": phase}), "values": values},
    ]


def pack_series(a: Agent) -> list[dict[str, str]]:
    """kube-state-metrics' label series of the pack that runs `a` (its Deployment and its one pod)."""
    labels = {"label_launchpad_dev_pack": str(a.pack), "label_launchpad_dev_tenant": a.tenant, **KSM}
    deployment = series("kube_deployment_labels", {"namespace": a.namespace, "deployment": a.deployment, **labels})
    return [{"series": deployment, "values": "1x40"}, *pack_pod_series(a, pod(a))]


def available(a: Agent, values: str = "1x40") -> dict[str, str]:
    return {
        "series": series(
            "kube_deployment_status_replicas_available", {"namespace": a.namespace, "deployment": a.deployment, **KSM}
        ),
        "values": values,
    }


def healthy_fleet(agents: list[Agent] = AGENTS, packed: list[Agent] = PACKED) -> list[dict[str, str]]:
    """Every agent labelled and available, and the packed agents' pack once."""
    found = [s for a in agents for s in [*info_series(a), available(a)]]
    found += [s for a in packed for s in info_series(a)]
    packs = {a.pack: a for a in packed}
    found += [s for a in packs.values() for s in [*pack_series(a), available(a)]]
    return found
