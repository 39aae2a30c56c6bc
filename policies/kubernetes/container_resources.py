"""Requests and limits on every container, and enough memory for an elizaOS agent: without a limit one
agent OOM-kills its neighbours; under the floor it is OOM-killed in a boot loop (the floor comes from the
runtime's measured boot peak, see launchpad.fleet.catalog). Agent containers also declare ephemeral storage:
they write to emptyDirs on the node's disk (PGlite, HOME), and a pod without an ephemeral-storage request is
the first the kubelet evicts under disk pressure, one without a limit bounded by nothing but its volumes."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from launchpad.fleet.catalog import MEASURED_PEAK_BYTES, MEMORY_LIMIT_FLOOR_BYTES
from launchpad.fleet.quantity import format_bytes, parse_quantity
from policies.kubernetes.workloads import containers, name_of, pod_spec, workload_name


def _requests_and_limits(args: ResourceValidationArgs, report: ReportViolation) -> None:
    pod = pod_spec(args.resource_type, args.props)
    if pod is None:
        return
    required = ("cpu", "memory", "ephemeral-storage") if workload_name(args.props) is not None else ("cpu", "memory")
    for container in containers(pod):
        resources = container.get("resources") or {}
        missing = [
            f"{kind}.{resource}"
            for kind in ("requests", "limits")
            for resource in required
            if not (resources.get(kind) or {}).get(resource)
        ]
        if missing:
            report(f"container '{name_of(container)}' has no resources.{', resources.'.join(missing)}", None)


def _agent_memory_floor(args: ResourceValidationArgs, report: ReportViolation) -> None:
    pod = pod_spec(args.resource_type, args.props)
    if pod is None or workload_name(args.props) is None:  # an agent's pod or a pack's
        return
    for container in containers(pod):
        limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
        if limit is None:
            continue  # reported by container-requests-and-limits
        try:
            too_low = parse_quantity(str(limit)) < MEMORY_LIMIT_FLOOR_BYTES
        except ValueError:
            report(f"container '{name_of(container)}' has an invalid memory limit {limit!r}", None)
            continue
        if too_low:
            report(
                f"container '{name_of(container)}' memory limit {limit} is below the "
                f"{format_bytes(MEMORY_LIMIT_FLOOR_BYTES)} an elizaOS agent needs "
                f"(up to {MEASURED_PEAK_BYTES / 1e6:.0f} MB RSS at boot, measured)",
                None,
            )


requests_and_limits = ResourceValidationPolicy(
    name="container-requests-and-limits",
    description="Every container declares CPU and memory requests and limits; agent containers ephemeral storage too.",
    severity=Severity.HIGH,
    validate=_requests_and_limits,
)
agent_memory_floor = ResourceValidationPolicy(
    name="agent-memory-floor",
    description="elizaOS agent containers have a memory limit of at least the measured floor (1Gi).",
    severity=Severity.HIGH,
    validate=_agent_memory_floor,
)

POLICIES = [requests_and_limits, agent_memory_floor]
