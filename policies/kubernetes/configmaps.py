"""No Secret data in ConfigMaps: they are readable by anyone who can read the namespace and are not
encrypted at rest like Secrets may be. Keys named like credentials, or values that look like one.
`binaryData` values are base64 of arbitrary bytes, so only their key names can be judged."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from launchpad.credentials import credential_kind, is_credential_name

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"


def _no_secret_data(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CONFIG_MAP:
        return
    for key, value in sorted((args.props.get("data") or {}).items()):
        if _credential_key(key):
            report(f"key '{key}' is named like a credential: keep it in a Secret", None)
        elif (kind := credential_kind(str(value))) is not None:
            report(f"key '{key}' holds what looks like {kind} (value not shown): keep it in a Secret", None)
    for key in sorted(args.props.get("binaryData") or {}):
        if _credential_key(key):
            report(f"binaryData key '{key}' is named like a credential: keep it in a Secret", None)


def _credential_key(key: str) -> bool:
    # File-style keys (api-token, tls.key) are judged like env names.
    return is_credential_name(key.replace(".", "_").replace("-", "_"))


no_secret_data = ResourceValidationPolicy(
    name="configmap-no-secret-data",
    description="ConfigMaps hold no credentials.",
    severity=Severity.CRITICAL,
    validate=_no_secret_data,
)

POLICIES = [no_secret_data]
