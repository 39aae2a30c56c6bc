"""`trivy config` over what `python -m launchpad render` writes (Kubernetes manifests and Dockerfiles), the
second opinion next to checkov. Settings live in one file, policies/trivy/trivy.yaml: the severities that
fail (at or above one level), the ignore file whose every entry carries its reason and expiry, and the use
of the checks embedded in the binary (no download). The fleet's registry is declared trusted here, from the
fleet itself, through the data KSV-0125 reads (`ksv0125.trusted_registries`, trivy-checks
checks/kubernetes/uses_untrusted_registry.rego), so an image from anywhere else is still a finding."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from launchpad.scan.report import ReportError
from launchpad.scan.severity import SEVERITIES, at_or_above, rank
from launchpad.scan.trivy import Runner, TrivyError, TrivyNotFound, find_trivy

CONFIG = Path(__file__).resolve().parents[2] / "policies" / "trivy" / "trivy.yaml"


@dataclass(frozen=True, order=True)
class Misconfiguration:
    check_id: str  # KSV-0125, DS-0002, ...
    severity: str
    file: str  # relative to the scanned directory
    title: str
    message: str


def fail_at(config: Path = CONFIG) -> str:
    """The level set in the config: the lowest severity of its list, which must hold every level above it."""
    raw = yaml.safe_load(config.read_text(encoding="utf-8")).get("severity") or []
    listed = [str(s) for s in raw] if isinstance(raw, list) else []
    if not listed or any(s not in SEVERITIES for s in listed):
        raise ValueError(f"{config}: severity must list Trivy severities, got {raw!r}")
    lowest = min(listed, key=rank)
    if set(listed) != set(at_or_above(lowest)):
        raise ValueError(f"{config}: severity {listed} skips a level: list every one from {lowest} up to CRITICAL")
    return lowest


def trusted_registries(registries: Iterable[str]) -> list[str]:
    """Registry hosts as KSV-0125 compares them: an image's part before the first "/" must end with one."""
    return sorted({registry.split("/", 1)[0] for registry in registries})


def config_command(
    trivy: str, directory: Path, report: Path, data_dir: Path, cache_dir: Path | None = None
) -> list[str]:
    command = [trivy, "config", "--config", str(CONFIG), "--config-data", str(data_dir)]
    command += ["--format", "json", "--exit-code", "0", "--output", str(report)]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    return [*command, str(directory)]


def parse_misconfigurations(report: Mapping[str, Any]) -> list[Misconfiguration]:
    if report.get("SchemaVersion") != 2:
        raise ReportError(f"unsupported Trivy report: SchemaVersion {report.get('SchemaVersion')!r} (expected 2)")
    found = set()
    for result in report.get("Results") or []:
        for m in result.get("Misconfigurations") or []:
            if m.get("Status", "FAIL") != "FAIL":
                continue
            found.add(
                Misconfiguration(
                    check_id=str(m.get("ID")),
                    severity=str(m.get("Severity")),
                    file=str(result.get("Target")),
                    title=str(m.get("Title")),
                    message=str(m.get("Message")),
                )
            )
    return sorted(found, key=lambda f: (-rank(f.severity), f.check_id, f.file, f.message))


def run_config_scan(
    directory: Path,
    registries: Iterable[str],
    report: Path,
    *,
    trivy: str | None = None,
    cache_dir: Path | None = None,
    runner: Runner = subprocess.run,
) -> list[Misconfiguration]:
    """Every finding at or above the configured level that the ignore file does not justify; images from
    `registries` (the stack's, e.g. "registry.example.com:5000/agents") count as trusted."""
    binary = trivy or find_trivy()
    if binary is None:
        raise TrivyNotFound("cannot run `trivy config`: trivy is not installed (bash tools/trivy/ensure.sh builds it)")
    if not directory.is_dir():
        raise TrivyError(f"cannot scan {directory}: no such directory (write it with `python -m launchpad render`)")
    fail_at()  # a malformed level is refused before anything runs
    report.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trivy-config-data-") as data_dir:
        data = {"ksv0125": {"trusted_registries": trusted_registries(registries)}}
        (Path(data_dir) / "trusted-registries.json").write_text(json.dumps(data))
        cache = cache_dir.resolve() if cache_dir is not None else None
        command = config_command(binary, directory.resolve(), report.resolve(), Path(data_dir), cache)
        done = runner(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TrivyError(f"trivy config failed on {directory} (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return parse_misconfigurations(json.loads(report.read_text(encoding="utf-8")))


def format_findings(findings: Iterable[Misconfiguration]) -> str:
    return "\n".join(f"{f.severity} {f.check_id} {f.file}: {f.message}" for f in findings)
