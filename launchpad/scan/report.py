"""Reading `trivy image --format json` reports (SchemaVersion 2): Results[].Vulnerabilities[]."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from launchpad.errors import UserError
from launchpad.scan.severity import SEVERITIES


class ReportError(UserError, ValueError):
    """The file is not a Trivy JSON report this gate understands."""


@dataclass(frozen=True, order=True)
class Finding:
    vulnerability_id: str
    package: str
    installed: str
    fixed: str  # "" when no fixed version exists (Trivy omits FixedVersion)
    severity: str
    target: str  # "<image> (debian 12.8)", "Node.js", ...: where Trivy found the package

    @property
    def is_fixed(self) -> bool:
        return bool(self.fixed)


def _text(vulnerability: Mapping[str, Any], key: str, where: str) -> str:
    value = vulnerability.get(key)
    if not isinstance(value, str) or not value:
        raise ReportError(f"{where}: {key} is missing or not a string")
    return value


def parse_report(report: Mapping[str, Any]) -> list[Finding]:
    """Every vulnerability of every target, deduplicated (one package can appear in several layers)."""
    if not isinstance(report, Mapping):
        raise ReportError("a Trivy JSON report is an object at the top level")
    if report.get("SchemaVersion") != 2:
        # Guards against feeding the gate another JSON file (or a SARIF/CycloneDX one) by mistake.
        raise ReportError(
            f"unsupported Trivy report: SchemaVersion {report.get('SchemaVersion')!r} (expected 2, "
            "from `trivy image --format json`)"
        )
    results = report.get("Results") or []  # omitted by Trivy when the image has no scannable packages
    if not isinstance(results, list):
        raise ReportError("Results is not a list")
    found: set[Finding] = set()
    for i, result in enumerate(results):
        target = str(result.get("Target") or f"Results[{i}]")
        for j, vulnerability in enumerate(result.get("Vulnerabilities") or []):
            where = f"Results[{i}].Vulnerabilities[{j}]"
            severity = _text(vulnerability, "Severity", where).upper()
            if severity not in SEVERITIES:
                raise ReportError(f"{where}: unknown Severity {severity!r}")
            found.add(
                Finding(
                    vulnerability_id=_text(vulnerability, "VulnerabilityID", where),
                    package=_text(vulnerability, "PkgName", where),
                    installed=_text(vulnerability, "InstalledVersion", where),
                    fixed=str(vulnerability.get("FixedVersion") or ""),
                    severity=severity,
                    target=target,
                )
            )
    return sorted(found)
