"""Readiness waits stay on. `pulumi up` waits for each Deployment's rollout and each Service's endpoints, and
fails when they never come (a bad image, a crash loop, a failing probe). `pulumi.com/skipAwait: "true"`
turns that off and an up reports success for an agent that never ran: right only on a cluster without a
kubelet, where nothing can become ready (the `local` stack, `agent-launchpad:skipAwait`). Mandatory in
prod (policies/config/prod.json), a reminder elsewhere."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from policies.kubernetes.workloads import annotations_of

SKIP_AWAIT = "pulumi.com/skipAwait"  # pulumi-kubernetes' own annotation (pkg/metadata/annotations.go)


def _waits_kept(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.resource_type.startswith("kubernetes:"):
        return
    if str(annotations_of(args.props).get(SKIP_AWAIT, "")).lower() == "true":
        report(
            f'{SKIP_AWAIT} is "true": `pulumi up` will not wait for this object to become ready and reports '
            "success even if it never runs; only for a cluster without a kubelet (the local stack): remove "
            "agent-launchpad:skipAwait from this stack's config",
            None,
        )


readiness_waits = ResourceValidationPolicy(
    name="kubernetes-readiness-waits",
    description="Kubernetes objects keep the provider's readiness waits (no pulumi.com/skipAwait).",
    severity=Severity.HIGH,
    validate=_waits_kept,
)

POLICIES = [readiness_waits]
