"""Finding pod specs and containers in workload resources, as policies see them (camelCase props)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD = "kubernetes:core/v1:Pod"
WORKLOAD_TYPES = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET, JOB, CRON_JOB, POD)

AGENT_LABEL = "launchpad.dev/agent"
SINGLE_IDENTITY_ANNOTATION = "launchpad.dev/single-identity"
PLUGINS_ANNOTATION = "launchpad.dev/plugins"
SCAN_ANNOTATION = "launchpad.dev/scan"

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


def annotations(props: Props) -> Mapping[str, str]:
    return (props.get("metadata") or {}).get("annotations") or {}


def agent_name(props: Props) -> str | None:
    """The elizaOS agent a resource belongs to (set by ElizaAgent on every object)."""
    return labels(props).get(AGENT_LABEL)


def name_of(container: Props) -> str:
    return str(container.get("name") or "<unnamed>")
