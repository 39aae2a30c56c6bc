"""Running Trivy. The command always exits 0 and writes its JSON report to a file: the gate, not Trivy's
exit code, decides, so the allowlist and the table work the same on recorded and live reports.

What is scanned (`Target`): an image in a registry or the local Docker engine (`trivy image REF`), an image
archive written without Docker (`trivy image --input TAR`, see archive.py), or a directory holding an image's
root filesystem (`trivy rootfs DIR`). The last two read every `node_modules/*/package.json`, as the image
scan does; `trivy fs` would not (it reads lockfiles only)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from launchpad.cache import cache_root
from launchpad.errors import UserError
from launchpad.scan.allowlist import AllowEntry
from launchpad.scan.database import database_problem, offline_args
from launchpad.scan.gate import GateResult, evaluate
from launchpad.scan.severity import at_or_above

INSTALL_HINT = "https://trivy.dev/latest/getting-started/installation/"
# The Trivy tools/trivy/ensure.sh builds from Go modules (the version is written once, in tools/trivy/go.mod;
# tests/scan/test_trivy.py checks the two agree).
TRIVY_VERSION = "0.74.0"

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class TrivyNotFound(UserError, RuntimeError):
    """Scanning is required and there is no trivy binary."""


class TrivyError(UserError, RuntimeError):
    """Trivy ran and failed (no database, image not found, ...): not a gate decision."""


@dataclass(frozen=True)
class Target:
    """What to scan: `image` (a reference), `archive` (a docker-archive tar) or `rootfs` (a directory)."""

    kind: Literal["image", "archive", "rootfs"]
    ref: str

    @classmethod
    def of(cls, target: str | Target) -> Target:
        return target if isinstance(target, Target) else cls("image", target)

    def arguments(self) -> tuple[str, list[str]]:
        """Trivy's subcommand and the arguments that name the target (they go last on the command line)."""
        if self.kind == "archive":
            return "image", ["--input", self.ref]
        return ("rootfs" if self.kind == "rootfs" else "image"), [self.ref]

    def check(self) -> None:
        """A local target that is not there is the caller's mistake: say so before Trivy does, at length."""
        if self.kind == "archive" and not Path(self.ref).is_file():
            raise TrivyError(f"cannot scan image archive {self.ref}: no such file")
        if self.kind == "rootfs" and not Path(self.ref).is_dir():
            raise TrivyError(f"cannot scan root filesystem {self.ref}: no such directory")

    def __str__(self) -> str:
        return self.ref


def cached_trivy(cache: Path | None = None) -> Path:
    """The binary tools/trivy/ensure.sh builds."""
    return (cache or cache_root()) / "trivy" / TRIVY_VERSION / "bin" / "trivy"


def find_trivy(path: str | None = None, cache: Path | None = None) -> str | None:
    """The trivy executable on PATH (or on `path`), else the one tools/trivy/ensure.sh built; None if neither."""
    found = shutil.which("trivy", path=path)
    if found:
        return found
    built = cached_trivy(cache)
    return str(built) if built.is_file() and os.access(built, os.X_OK) else None


def trivy_command(
    target: str | Target,
    report_path: str | Path,
    threshold: str = "HIGH",
    trivy: str = "trivy",
    cache_dir: str | Path | None = None,
) -> list[str]:
    subcommand, names = Target.of(target).arguments()
    return [
        trivy,
        subcommand,
        "--format",
        "json",  # the severity filter holds for json (it is dropped for sarif unless limited explicitly)
        "--severity",
        ",".join(at_or_above(threshold)),
        "--ignore-unfixed",
        "--exit-code",
        "0",
        "--output",
        str(report_path),
        *(offline_args(cache_dir) if cache_dir is not None else ()),
        *names,
    ]


def missing_trivy_message(image: str) -> str:
    return (
        f"cannot scan image {image}: trivy is not installed (not found on PATH nor in {cached_trivy().parent}) "
        f"and this stack requires the vulnerability scan gate. Install Trivy ({INSTALL_HINT}) or build it from Go "
        "modules with `bash tools/trivy/ensure.sh`; on a dev stack only, `pulumi config set agent-launchpad:scan "
        "false` turns the gate off (the policy pack reports unscanned agents)."
    )


def _failure(target: Target, done: subprocess.CompletedProcess[str]) -> TrivyError:
    # Trivy logs INFO/WARN lines first; the FATAL line and the causes listed under it say why.
    lines = (done.stderr or "").strip().splitlines()
    fatal = next((i for i, line in enumerate(lines) if "FATAL" in line), None)
    if fatal is not None:
        lines = ["FATAL" + lines[fatal].split("FATAL", 1)[1], *lines[fatal + 1 :]]  # without the timestamp
    reason = "\n".join(line.rstrip() for line in lines).strip()
    return TrivyError(f"trivy failed on {target} (exit {done.returncode}): {reason[-2000:]}")


def run_scan(
    image: str | Target,
    report_path: str | Path,
    *,
    threshold: str = "HIGH",
    allowlist: Iterable[AllowEntry] = (),
    today: dt.date | None = None,
    trivy: str | None = None,
    required: bool = True,
    runner: Runner = subprocess.run,
    cache_dir: str | Path | None = None,
    extra_args: Sequence[str] = (),
) -> GateResult | None:
    """Scan `image` into `report_path` and gate the report. None when trivy is missing and not required;
    raises TrivyNotFound when it is missing and required, TrivyError when trivy itself fails or the target
    or the offline database (`cache_dir`, see database.py) is not there."""
    target = Target.of(image)
    binary = trivy or find_trivy()
    if binary is None:
        if required:
            raise TrivyNotFound(missing_trivy_message(str(target)))
        return None
    target.check()
    problem = database_problem(cache_dir) if cache_dir is not None else None
    if problem:
        raise TrivyError(f"cannot scan {target}: {problem}")
    report = Path(report_path)
    report.parent.mkdir(parents=True, exist_ok=True)
    command = trivy_command(target, report, threshold, binary, cache_dir)
    names = len(target.arguments()[1])
    command[-names:-names] = list(extra_args)  # e.g. --scanners vuln; the target stays last
    done = runner(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise _failure(target, done)
    try:
        data: Any = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise TrivyError(f"trivy wrote no readable JSON report to {report}: {error}") from error
    return evaluate(data, threshold, allowlist, today)
