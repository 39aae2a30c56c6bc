"""ImageScan: the vulnerability scan gate of one built image, as a Pulumi dynamic resource. It scans when
the image is created or changes (never in preview), and the Deployments that run the image depend on it,
so a failed gate stops the `up` before any of them is deployed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

# Inputs whose change means a new scan.
_SCANNED = ("image", "threshold", "allowlist_sha256", "required")


class _ScanProvider(ResourceProvider):
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=any(olds.get(k) != news.get(k) for k in _SCANNED))

    def create(self, props: dict[str, Any]) -> CreateResult:
        from launchpad.providers.host import no_traceback
        from launchpad.providers.image_scan import USER_ERRORS, scan_image

        # A failed gate, a missing trivy or a bad allowlist reach the user as one message, not a traceback.
        with no_traceback(*USER_ERRORS):
            outs = scan_image(props)
        return CreateResult(hashlib.sha256(str(props["image"]).encode()).hexdigest()[:16], outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from launchpad.providers.host import no_traceback
        from launchpad.providers.image_scan import USER_ERRORS, scan_image

        with no_traceback(*USER_ERRORS):
            return UpdateResult(scan_image(news))


class ImageScan(pulumi.dynamic.Resource, module="launchpad", name="ImageScan"):
    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        image: pulumi.Input[str],
        report_path: Path,
        threshold: str,
        allowlist: Path | None,
        opts: pulumi.ResourceOptions | None = None,
        cache_dir: str | None = None,
    ) -> None:
        allowlist_sha = hashlib.sha256(allowlist.read_bytes()).hexdigest() if allowlist else None
        super().__init__(_ScanProvider(), name, {
            "image": image,
            "report_path": str(report_path),
            "threshold": threshold,
            "allowlist_path": str(allowlist) if allowlist else None,
            # An allowlist edit (a new exception, an expiry moved) is a new scan decision: rescan.
            "allowlist_sha256": allowlist_sha,
            "required": True,
            "cache_dir": cache_dir,  # a mirrored Trivy DB (stack setting scanCacheDir), None: Trivy's own
            "status": None,
        }, opts)
