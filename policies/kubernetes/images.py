"""Where images come from and how they are pinned: an allowlist of registries (policy config), no
`:latest` or untagged images, and digests where the config requires them (production)."""

from __future__ import annotations

import re

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.kubernetes.workloads import containers, name_of, pod_spec

_DIGEST = re.compile(r"@sha256:[a-f0-9]{64}\Z")


def _images(args: ResourceValidationArgs) -> list[tuple[str, str]]:
    pod = pod_spec(args.resource_type, args.props)
    if pod is None:
        return []
    return [(name_of(c), str(c.get("image") or "")) for c in containers(pod)]


def registry_of(image: str) -> str:
    """`registry.example.com:5000/team/app:1` -> `registry.example.com:5000`; Docker Hub images -> `docker.io`."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def _allowed_registries(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = list(args.get_config().get("allowedRegistries") or [])
    if not allowed:
        return  # no allowlist configured: every registry is allowed
    for container, image in _images(args):
        registry = registry_of(image)
        if not any(image.startswith(prefix.rstrip("/") + "/") or registry == prefix for prefix in allowed):
            report(
                f"container '{container}' image {image} is not from an allowed registry ({', '.join(allowed)})", None
            )


def _tag_pinned(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for container, image in _images(args):
        if _DIGEST.search(image):
            continue
        last = image.rsplit("/", 1)[-1]
        tag = last.rsplit(":", 1)[1] if ":" in last else ""
        if tag in ("", "latest"):
            report(
                f"container '{container}' image {image} is {'untagged' if not tag else ':latest'}: "
                "pin a version tag or a digest",
                None,
            )


def _digest_pinned(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for container, image in _images(args):
        if not _DIGEST.search(image):
            report(f"container '{container}' image {image} is not pinned by digest (@sha256:...)", None)


allowed_registries = ResourceValidationPolicy(
    name="image-registry-allowed",
    description="Images come only from the registries the policy config allows.",
    severity=Severity.HIGH,
    validate=_allowed_registries,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedRegistries": {
                "type": "array",
                "items": {"type": "string"},
                "description": "registry hosts or repository prefixes; empty allows all",
            }
        }
    ),
)
tag_pinned = ResourceValidationPolicy(
    name="image-tag-pinned",
    description="No container image is untagged or `:latest`.",
    severity=Severity.HIGH,
    validate=_tag_pinned,
)
digest_pinned = ResourceValidationPolicy(
    name="image-digest-pinned",
    description="Container images are pinned by digest (enable in production).",
    severity=Severity.MEDIUM,
    validate=_digest_pinned,
)

POLICIES = [allowed_registries, tag_pinned, digest_pinned]
