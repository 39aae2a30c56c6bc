"""The scan gate as one deploy step, for the Pulumi dynamic provider in components/image_scan.py: scan the
built image with Trivy, write the report next to the other build output, and refuse the step (so nothing
that uses the image is deployed) when fixed vulnerabilities at or above the threshold remain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from launchpad.errors import UserError
from launchpad.scan.allowlist import AllowlistError, load_allowlist
from launchpad.scan.report import ReportError
from launchpad.scan.trivy import Runner, TrivyError, TrivyNotFound, run_scan


class ScanGateFailed(UserError, RuntimeError):
    """The image has blocking vulnerabilities; the message holds the summary table."""


# What the step raises that is the user's to fix, each with a message that says what: the deploy shows these
# without a traceback (components/image_scan.py, launchpad.providers.host). OSError: an allowlist or report
# path that cannot be read or written, named in the message.
USER_ERRORS: tuple[type[Exception], ...] = (
    ScanGateFailed,
    TrivyError,
    TrivyNotFound,
    AllowlistError,
    ReportError,
    OSError,
)


def scan_image(props: dict[str, Any], runner: Runner | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Outputs for the scan resource; raises ScanGateFailed (with the table) or the scanner's own errors."""
    image, report = str(props["image"]), str(props["report_path"])
    allowlist = load_allowlist(props["allowlist_path"]) if props.get("allowlist_path") else ()
    kwargs: dict[str, Any] = {"threshold": props["threshold"], "allowlist": allowlist, "today": today,
                              "required": bool(props.get("required", True)), "cache_dir": props.get("cache_dir")}
    if runner is not None:
        kwargs["runner"] = runner
    result = run_scan(image, Path(report), **kwargs)
    if result is None:  # not installed and not required
        return {**props, "status": "skipped: trivy not installed", "blocking": 0, "allowlisted": 0}
    if not result.passed:
        raise ScanGateFailed(result.failure_message(image, report))
    return {**props, "status": result.summary(), "blocking": 0, "allowlisted": len(result.allowlisted)}
