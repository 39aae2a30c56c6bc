"""Stack-wide gates: what must exist beside every elizaOS agent. Each agent (a Deployment labelled
`launchpad.dev/agent`, or a pack's labelled `launchpad.dev/pack`: several agents in one server) needs a
restricted Pod Security namespace with a NetworkPolicy that selects it, the fleet's alert rules and agent
dashboard selecting it (observability.py, the MonitoringStack contract in docs/architecture.md), and an image
that went through the vulnerability scan gate: a stack with `scan: false` (dev only) marks its agent Deployments
with the annotation `launchpad.dev/scan: "false"`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from launchpad import naming
from launchpad.controlplane.manifests import SERVICE_LABEL
from policies.kubernetes.log_shipper import NAMESPACE_LEVEL as SHIPPER_NAMESPACE_LEVEL
from policies.kubernetes.log_shipper import is_log_shipper
from policies.kubernetes.workloads import (
    DEPLOYMENT,
    SCAN_ANNOTATION,
    annotations_of,
    labels,
    pod_spec,
    workload_name,
)
from policies.observability import validate as _observability
from policies.platform import read_platform_facts

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PSS_ENFORCE = naming.PSS_ENFORCE_LABEL


def _meta(resource: PolicyResource) -> Mapping[str, Any]:
    return resource.props.get("metadata") or {}


def _agents(args: StackValidationArgs) -> Iterator[tuple[str, PolicyResource]]:
    """(`agent <name>` or `pack <name>`, Deployment) of every agent's Deployment and every pack's."""
    for resource in args.resources:
        if resource.resource_type == DEPLOYMENT and (name := workload_name(resource.props)):
            yield name, resource


def _workloads(args: StackValidationArgs) -> Iterator[tuple[str, PolicyResource]]:
    """Agents, packs, the control plane's services (launchpad/controlplane/) and its node log shipper: held to the
    same rules (the shipper's namespace level excepted: log_shipper.py)."""
    yield from _agents(args)
    for resource in args.resources:
        if resource.resource_type == DEPLOYMENT and (service := labels(resource.props).get(SERVICE_LABEL)):
            yield f"control-plane service {service}", resource
        elif is_log_shipper(resource.resource_type, resource.props):
            yield "the node log shipper", resource


def _of_type(args: StackValidationArgs, resource_type: str) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type == resource_type]


def _selects(policy: PolicyResource, pod_labels: Mapping[str, str]) -> bool:
    wanted = ((policy.props.get("spec") or {}).get("podSelector") or {}).get("matchLabels") or {}
    return all(pod_labels.get(k) == v for k, v in wanted.items())


def _namespace_isolation(args: StackValidationArgs, report: ReportViolation) -> None:
    # Enforce level by namespace: this stack's Namespaces, and in a shard its platform's tenant namespaces.
    platform = read_platform_facts(args)
    levels = dict(platform.namespaces)
    for namespace in _of_type(args, NAMESPACE):
        levels[str(_meta(namespace).get("name"))] = str(labels(namespace.props).get(PSS_ENFORCE, ""))
    policies = _of_type(args, NETWORK_POLICY)
    for agent, deployment in _workloads(args):
        ns = _meta(deployment).get("namespace") or "default"
        if is_log_shipper(deployment.resource_type, deployment.props):
            _shipper_namespace(args, deployment, levels.get(ns), report)
        elif ns not in levels:
            where = f" nor by its platform stack {platform.stack}" if platform.stack else ""
            report(
                f"{agent}: namespace {ns} is not managed by this stack{where}, so its Pod Security level "
                "cannot be checked",
                deployment.urn,
            )
        elif levels[ns] != "restricted":
            report(
                f"{agent}: namespace {ns} does not enforce the restricted Pod Security profile "
                f"({PSS_ENFORCE}: restricted)",
                deployment.urn,
            )
        template = (deployment.props.get("spec") or {}).get("template") or {}
        pod_labels = (template.get("metadata") or {}).get("labels") or {}
        if not any(_meta(p).get("namespace") == ns and _selects(p, pod_labels) for p in policies):
            report(f"{agent}: no NetworkPolicy in namespace {ns} selects its pods", deployment.urn)


def _shipper_namespace(
    args: StackValidationArgs, shipper: PolicyResource, level: str | None, report: ReportViolation
) -> None:
    """The shipper's hostPath needs a `privileged` namespace (baseline and restricted refuse hostPath): it must
    say so, and run alone there, so the exception covers nothing but the shipper."""
    ns = _meta(shipper).get("namespace")
    if level != SHIPPER_NAMESPACE_LEVEL:
        report(
            f"the node log shipper: namespace {ns} must be this stack's and enforce {PSS_ENFORCE}: "
            f"{SHIPPER_NAMESPACE_LEVEL} (its hostPath is refused by baseline and restricted), not {level or 'unset'}",
            shipper.urn,
        )
    for other in args.resources:
        if other is shipper or _meta(other).get("namespace") != ns:
            continue
        if pod_spec(other.resource_type, other.props) is not None:
            report(
                f"{other.resource_type.rsplit(':', 1)[-1]} {_meta(other).get('name')} runs in namespace {ns}, "
                "whose privileged Pod Security level is the node log shipper's alone",
                other.urn,
            )


def _images_scanned(args: StackValidationArgs, report: ReportViolation) -> None:
    for agent, deployment in _workloads(args):
        if annotations_of(deployment.props).get(SCAN_ANNOTATION) == "false":
            report(
                f"{agent} runs an image that was not vulnerability-scanned (stack setting scan: false)",
                deployment.urn,
            )


namespace_isolation = StackValidationPolicy(
    name="agent-namespace-isolation",
    description="Every agent and control-plane service runs in a restricted Pod Security namespace with a "
    "NetworkPolicy selecting it; the node log shipper alone in a privileged one (its hostPath), with its own.",
    severity=Severity.HIGH,
    validate=_namespace_isolation,
)
observability = StackValidationPolicy(
    name="agent-observability",
    description="Every agent is selected by the fleet's alert rules and its agent dashboard.",
    severity=Severity.MEDIUM,
    validate=_observability,
)

# Advisory in policies/config/dev.json (dev may skip Trivy), mandatory with the rest in prod.json.
images_scanned = StackValidationPolicy(
    name="agent-image-scanned",
    description="Agent and control-plane images pass the vulnerability scan gate before they are deployed "
    "(scan: false is dev only).",
    severity=Severity.HIGH,
    validate=_images_scanned,
)

POLICIES = [namespace_isolation, observability, images_scanned]
