"""Replica bounds: an HPA's minimum never above its maximum, and a chat agent with a single bot identity
(Telegram polling, Discord gateway, Twitter) never above one replica, in its HPA or its Deployment."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from policies.kubernetes.workloads import DEPLOYMENT, SINGLE_IDENTITY_ANNOTATION, annotations_of

HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"


def _bounds(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != HPA:
        return
    spec = args.props.get("spec") or {}
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if high is not None and low is not None and low > high:
        report(f"minReplicas ({low}) is above maxReplicas ({high})", None)


def _single_identity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if annotations_of(args.props).get(SINGLE_IDENTITY_ANNOTATION) != "true":
        return
    spec = args.props.get("spec") or {}
    if args.resource_type == HPA and (spec.get("maxReplicas") or 1) > 1:
        report(
            f"single-identity chat agent scales to {spec['maxReplicas']} replicas; a second replica is a "
            "second bot session (double replies, 409 Conflict): keep maxReplicas at 1",
            None,
        )
    elif args.resource_type == DEPLOYMENT and (spec.get("replicas") or 1) > 1:
        report(
            f"single-identity chat agent runs {spec['replicas']} replicas; a second replica is a second bot "
            "session (double replies, 409 Conflict): keep replicas at 1",
            None,
        )


replica_bounds = ResourceValidationPolicy(
    name="hpa-replica-bounds",
    description="HorizontalPodAutoscalers have minReplicas <= maxReplicas.",
    severity=Severity.MEDIUM,
    validate=_bounds,
)
single_identity_one_replica = ResourceValidationPolicy(
    name="single-identity-one-replica",
    description="Chat agents with a single bot identity never run more than one replica.",
    severity=Severity.HIGH,
    validate=_single_identity,
)

POLICIES = [replica_bounds, single_identity_one_replica]
