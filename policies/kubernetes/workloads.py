"""Finding pod specs and containers in workload resources, as policies see them (camelCase props)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from launchpad import naming
from launchpad.workloads.agent_objects import PLUGINS_ANNOTATION as PLUGINS_ANNOTATION
from launchpad.workloads.agent_objects import SCAN_ANNOTATION as SCAN_ANNOTATION
from launchpad.workloads.agent_objects import SINGLE_IDENTITY_ANNOTATION as SINGLE_IDENTITY_ANNOTATION

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD = "kubernetes:core/v1:Pod"
WORKLOAD_TYPES = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET, JOB, CRON_JOB, POD)

# The contract with ElizaAgent, from the module that writes these labels and annotations, so the two can't
# drift: `launchpad.dev/agent=<name>` on every agent object; on the Deployment `launchpad.dev/plugins`
# (comma separated), `launchpad.dev/scan: "false"` when the stack skips the scan gate; on the Deployment
# and HPA `launchpad.dev/single-identity: "true"` for chat agents with one bot identity.
AGENT_LABEL = naming.AGENT_LABEL
# Several agents in one server (launchpad/fleet/packing.py): the pack's Deployment, pods and each of its agents'
# objects carry `launchpad.dev/pack=<pack>`; the pack's Deployment carries the same annotations as an agent's.
PACK_LABEL = naming.PACK_LABEL

Props = Mapping[str, Any]


def pod_spec(resource_type: str, props: Props) -> Props | None:
    """The pod spec inside a workload (Deployment/StatefulSet/DaemonSet/Job template, CronJob's job
    template, or a bare Pod); None for other kinds."""
    if resource_type == POD:
        return props.get("spec") or {}
    if resource_type == CRON_JOB:
        job = ((props.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
        return (job.get("template") or {}).get("spec") or {}
    if resource_type in WORKLOAD_TYPES:
        return ((props.get("spec") or {}).get("template") or {}).get("spec") or {}
    return None


def containers(pod: Props) -> Iterator[Props]:
    """Init and regular containers: both run with the pod's privileges."""
    yield from pod.get("initContainers") or []
    yield from pod.get("containers") or []


def labels(props: Props) -> Mapping[str, str]:
    return (props.get("metadata") or {}).get("labels") or {}


def annotations_of(props: Props) -> Mapping[str, str]:
    return (props.get("metadata") or {}).get("annotations") or {}


def agent_name(props: Props) -> str | None:
    """The elizaOS agent a resource belongs to (set by ElizaAgent on every object)."""
    return labels(props).get(AGENT_LABEL)


def pack_name(props: Props) -> str | None:
    """The pack a resource belongs to or runs in (set by AgentPack on its objects and by ElizaAgent on a packed
    agent's)."""
    return labels(props).get(PACK_LABEL)


def workload_name(props: Props) -> str | None:
    """Who an agent workload runs, for messages: `agent <name>`, or `pack <name>` for a pack's Deployment."""
    if (agent := agent_name(props)) is not None:
        return f"agent {agent}"
    return f"pack {pack}" if (pack := pack_name(props)) is not None else None


def name_of(container: Props) -> str:
    return str(container.get("name") or "<unnamed>")
