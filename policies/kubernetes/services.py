"""Agents are reached inside the cluster only. A LoadBalancer or NodePort Service opens an agent's API to
the network; allowed only when the policy config says so."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

SERVICE = "kubernetes:core/v1:Service"


def _no_external_exposure(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SERVICE:
        return
    kind = (args.props.get("spec") or {}).get("type") or "ClusterIP"
    config = args.get_config()
    allowed = {"LoadBalancer": bool(config.get("allowLoadBalancer")), "NodePort": bool(config.get("allowNodePort"))}
    if kind in allowed and not allowed[kind]:
        report(
            f"Service type {kind} exposes it outside the cluster; set allow{kind} in the policy config to permit it",
            None,
        )


no_external_exposure = ResourceValidationPolicy(
    name="service-no-external-exposure",
    description="Services are ClusterIP unless the policy config allows LoadBalancer or NodePort.",
    severity=Severity.HIGH,
    validate=_no_external_exposure,
    config_schema=PolicyConfigSchema(
        properties={
            "allowLoadBalancer": {"type": "boolean", "default": False},
            "allowNodePort": {"type": "boolean", "default": False},
        }
    ),
)

POLICIES = [no_external_exposure]
