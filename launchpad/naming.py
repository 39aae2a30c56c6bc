"""Kubernetes names and labels derived from an agent. One place, because the workloads, the monitoring
rules, the registry and the policy pack must all agree on them."""

from __future__ import annotations

PART_OF = "agent-launchpad"
AGENT_LABEL = "launchpad.dev/agent"
TENANT_LABEL = "launchpad.dev/tenant"
# On a pack's objects and pods, and on each of its agents' objects: which pack (several agents in one server).
PACK_LABEL = "launchpad.dev/pack"
FLEET_LABEL = "launchpad.dev/fleet"
# Tenant label value of an agent that declares no tenant.
NO_TENANT = "default"
CONTAINER_NAME = "eliza"
HTTP_PORT = 3000
HTTP_PORT_NAME = "http"
MONITORING_NAMESPACE = "monitoring"
# Pod Security Admission label that puts a namespace under the `restricted` profile.
PSS_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"


def namespace_for(agent_name: str, tenant: str | None) -> str:
    """Agents of one tenant share `tenant-<tenant>`; an agent without a tenant gets `agent-<name>`.
    The prefixes keep a tenant and an agent of the same name from colliding."""
    return f"tenant-{tenant}" if tenant else f"agent-{agent_name}"


def tenant_value(tenant: str | None) -> str:
    return tenant or NO_TENANT


def agent_labels(agent_name: str, tenant: str | None, version: str) -> dict[str, str]:
    """Labels on every object of one agent (selector labels are the subset in `selector_labels`)."""
    return {
        "app.kubernetes.io/name": "eliza-agent",
        "app.kubernetes.io/instance": agent_name,
        "app.kubernetes.io/component": "agent",
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/version": version,
        AGENT_LABEL: agent_name,
        TENANT_LABEL: tenant_value(tenant),
    }


# Labels that describe the running workload: on the Deployment and its pods, not on the agent's other objects
# (ServiceAccount, ConfigMap, Secret, Service, NetworkPolicy, HPA, PDB). A label costs three times its size
# in the state of every object (docs/architecture.md, "State and checkpoints").
WORKLOAD_LABELS = ("app.kubernetes.io/component", "app.kubernetes.io/version")


def selector_labels(agent_name: str) -> dict[str, str]:
    """Immutable selector of the Deployment: only labels that never change for the agent's lifetime."""
    return {"app.kubernetes.io/name": "eliza-agent", "app.kubernetes.io/instance": agent_name}


def pack_labels(pack: str, tenant: str | None, version: str) -> dict[str, str]:
    """Labels on every object of a pack (several agents in one elizaOS server). No `launchpad.dev/agent`: a
    pack's pod is every one of its agents, which the monitoring rules join through the agents' Services."""
    return {
        "app.kubernetes.io/name": "eliza-pack",
        "app.kubernetes.io/instance": pack,
        "app.kubernetes.io/component": "pack",
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/version": version,
        PACK_LABEL: pack,
        TENANT_LABEL: tenant_value(tenant),
    }


def pack_selector_labels(pack: str) -> dict[str, str]:
    """The pack Deployment's selector, and the selector of each packed agent's Service."""
    return {"app.kubernetes.io/name": "eliza-pack", "app.kubernetes.io/instance": pack}
