"""Secrets in container env: never as literal values, and only from Secrets (secretKeyRef), never from a
ConfigMap or a field. Names and value patterns come from launchpad.credentials, so the agent-file
validator and this gate agree on what a credential looks like."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from launchpad.credentials import credential_kind, is_credential_name
from policies.kubernetes.workloads import Props, containers, name_of, pod_spec


def _env(args: ResourceValidationArgs) -> list[tuple[str, Props]]:
    pod = pod_spec(args.resource_type, args.props)
    if pod is None:
        return []
    return [(name_of(c), e) for c in containers(pod) for e in c.get("env") or []]


def _no_credential_literals(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for container, env in _env(args):
        if "value" not in env:
            continue
        name, value = str(env.get("name")), str(env.get("value") or "")
        if is_credential_name(name) and value:
            report(
                f"container '{container}' env {name} holds a literal credential (value not shown): "
                "use valueFrom.secretKeyRef",
                None,
            )
        elif (kind := credential_kind(value)) is not None:
            report(
                f"container '{container}' env {name} holds what looks like {kind} (value not shown): "
                "use valueFrom.secretKeyRef",
                None,
            )


def _secrets_from_secret_refs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for container, env in _env(args):
        name, source = str(env.get("name")), env.get("valueFrom") or {}
        if is_credential_name(name) and source and "secretKeyRef" not in source:
            kind = next(iter(source))
            report(f"container '{container}' env {name} comes from {kind}, not a Secret: use secretKeyRef", None)


no_credential_literals = ResourceValidationPolicy(
    name="env-no-credential-literals",
    description="No credential is written as a literal env value.",
    severity=Severity.CRITICAL,
    validate=_no_credential_literals,
)
secrets_from_secret_refs = ResourceValidationPolicy(
    name="env-secret-key-ref-only",
    description="Credential env vars come from Secrets (secretKeyRef) only.",
    severity=Severity.HIGH,
    validate=_secrets_from_secret_refs,
)

POLICIES = [no_credential_literals, secrets_from_secret_refs]
