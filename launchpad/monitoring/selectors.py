"""PromQL label selectors that pick one agent's series out of cAdvisor and kube-state-metrics.

elizaOS exports no metrics of its own, and neither exporter sees our `launchpad.dev/agent` label by default
(kube-state-metrics drops pod labels unless allow-listed). So an agent's pods are recognised by name:
a Deployment's pods are `<deployment>-<pod-template-hash>-<5 chars>`. PromQL regexes are fully anchored, so
`bot-[a-z0-9]+-[a-z0-9]{5}` never matches the pods of a sibling Deployment `bot-two` in a shared tenant
namespace (those have one more dash-separated segment)."""

from __future__ import annotations

from collections.abc import Iterable

from launchpad.monitoring.model import MonitoredAgent

POD_SUFFIX = "-[a-z0-9]+-[a-z0-9]{5}"


def quote(value: str) -> str:
    """A PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pod_regex(deployments: Iterable[str]) -> str:
    names = sorted(set(deployments))
    alternatives = names[0] if len(names) == 1 else "(" + "|".join(names) + ")"
    # Deployment names are DNS labels (no regex metacharacters but `-`, which is literal outside brackets).
    return alternatives + POD_SUFFIX


def container(agent: MonitoredAgent, **extra: str) -> str:
    """Series of the agent's main container, by namespace, pod and container (cAdvisor, kube-state-metrics)."""
    pairs = {"namespace": agent.namespace, "container": agent.container, **extra}
    body = ", ".join(f"{k}={quote(v)}" for k, v in pairs.items())
    return "{" + body + f", pod=~{quote(pod_regex([agent.deployment]))}" + "}"


def deployment(agent: MonitoredAgent) -> str:
    return "{" + f"namespace={quote(agent.namespace)}, deployment={quote(agent.deployment)}" + "}"


def hpa(agent: MonitoredAgent) -> str:
    # The HPA is named like the Deployment (launchpad.naming).
    return "{" + f"namespace={quote(agent.namespace)}, horizontalpodautoscaler={quote(agent.deployment)}" + "}"


def fleet_containers(agents: Iterable[MonitoredAgent]) -> str:
    """Series of every agent container of the fleet."""
    agents = list(agents)
    namespaces = sorted({a.namespace for a in agents})
    containers = sorted({a.container for a in agents})
    # Namespaces and Deployment names are DNS labels: nothing in them needs regex escaping. Tenant namespaces
    # hold only agents, so the pod regex across namespaces cannot pick up another workload's pods.
    ns = "|".join(namespaces)
    return (
        "{"
        + f"namespace=~{quote(ns)}, container=~{quote('|'.join(containers))}, "
        + f"pod=~{quote(pod_regex(a.deployment for a in agents))}"
        + "}"
    )
