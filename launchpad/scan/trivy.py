"""Running Trivy. The command always exits 0 and writes its JSON report to a file: the gate, not Trivy's
exit code, decides, so the allowlist and the table work the same on recorded and live reports."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from launchpad.scan.allowlist import AllowEntry
from launchpad.scan.gate import GateResult, evaluate
from launchpad.scan.severity import at_or_above

INSTALL_HINT = "https://trivy.dev/latest/getting-started/installation/"

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class TrivyNotFound(RuntimeError):
    """Scanning is required and there is no trivy binary."""


class TrivyError(RuntimeError):
    """Trivy ran and failed (no database, image not found, ...): not a gate decision."""


def find_trivy(path: str | None = None) -> str | None:
    """The trivy executable on PATH (or on `path`), None when it is not installed."""
    return shutil.which("trivy", path=path)


def trivy_command(image: str, report_path: str | Path, threshold: str = "HIGH", trivy: str = "trivy") -> list[str]:
    return [
        trivy,
        "image",
        "--format",
        "json",  # the severity filter holds for json (it is dropped for sarif unless limited explicitly)
        "--severity",
        ",".join(at_or_above(threshold)),
        "--ignore-unfixed",
        "--exit-code",
        "0",
        "--output",
        str(report_path),
        image,
    ]


def missing_trivy_message(image: str) -> str:
    return (
        f"cannot scan image {image}: trivy is not installed (not found on PATH) and this stack requires the "
        f"vulnerability scan gate. Install Trivy ({INSTALL_HINT}), or on a dev stack only set "
        "`pulumi config set agent-launchpad:scan false` (the policy pack reports unscanned agents)."
    )


def run_scan(
    image: str,
    report_path: str | Path,
    *,
    threshold: str = "HIGH",
    allowlist: Iterable[AllowEntry] = (),
    today: dt.date | None = None,
    trivy: str | None = None,
    required: bool = True,
    runner: Runner = subprocess.run,
    extra_args: Sequence[str] = (),
) -> GateResult | None:
    """Scan `image` into `report_path` and gate the report. None when trivy is missing and not required;
    raises TrivyNotFound when it is missing and required, TrivyError when trivy itself fails."""
    binary = trivy or find_trivy()
    if binary is None:
        if required:
            raise TrivyNotFound(missing_trivy_message(image))
        return None
    report = Path(report_path)
    report.parent.mkdir(parents=True, exist_ok=True)
    command = trivy_command(image, report, threshold, binary)
    command[-1:-1] = list(extra_args)  # e.g. --cache-dir, --skip-db-update; the image stays last
    done = runner(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TrivyError(f"trivy failed on {image} (exit {done.returncode}): {(done.stderr or '').strip()[-2000:]}")
    try:
        data: Any = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise TrivyError(f"trivy wrote no readable JSON report to {report}: {error}") from error
    return evaluate(data, threshold, allowlist, today)
