"""The dashboard's dev-only sign-in stays on dev stacks. With it (stack setting `devSignIn`, carried to the
control plane's API Deployment as LAUNCHPAD_DEV_SIGN_IN=true: launchpad/controlplane/manifests.py) anyone who
reaches the API signs in as any email, with a token minted from the stack's own secret: right on a laptop or the
local test cluster, where no Supabase Auth server runs, and nowhere else.

The stack a resource belongs to is the second field of its URN (`urn:pulumi:<stack>::<project>::...`). The
dev stacks are the policy's `devStacks` config (policies/config/dev.json: dev and local; prod.json: none). It
is mandatory in both files: staging runs with dev.json (advisory elsewhere) and is still refused here."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from launchpad.contracts import DEV_SIGN_IN_ENV
from policies.kubernetes.workloads import containers, pod_spec


def stack_of(urn: str) -> str:
    parts = urn.split("::", 1)[0].split(":")
    return parts[2] if len(parts) > 2 and parts[0] == "urn" and parts[1] == "pulumi" else ""


def _dev_sign_in_off(args: ResourceValidationArgs, report: ReportViolation) -> None:
    pod = pod_spec(args.resource_type, args.props)
    if pod is None:
        return
    on = any(
        e.get("name") == DEV_SIGN_IN_ENV and str(e.get("value", "")).lower() == "true"
        for c in containers(pod)
        for e in (c.get("env") or [])
    )
    if not on:
        return
    stack = stack_of(args.urn)
    allowed = [str(s) for s in (args.get_config().get("devStacks") or [])]
    if stack in allowed:
        return
    where = f"only {', '.join(allowed)} may" if allowed else "no stack may under this policy config"
    report(
        f"the dashboard's dev-only sign-in is on ({DEV_SIGN_IN_ENV}=true): anyone who reaches the API signs in as "
        f"any user with a token this stack mints itself; {where}: remove agent-launchpad:devSignIn from "
        f"Pulumi.{stack or '<stack>'}.yaml and sign in through Supabase Auth",
        None,
    )


dev_sign_in_off = ResourceValidationPolicy(
    name="control-plane-dev-sign-in",
    description="The dashboard's dev-only sign-in (stack setting devSignIn) runs on dev stacks only.",
    severity=Severity.CRITICAL,
    validate=_dev_sign_in_off,
    config_schema=PolicyConfigSchema(
        properties={
            "devStacks": {
                "type": "array",
                "items": {"type": "string"},
                "description": "stacks allowed to sign users in without Supabase Auth; empty allows none",
            }
        }
    ),
)

POLICIES = [dev_sign_in_off]
