"""The gate: fixed vulnerabilities at or above the threshold fail, unless allowlisted by an entry that has
not expired. Unfixed ones never fail it (nothing to upgrade to; Trivy runs with --ignore-unfixed anyway)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from launchpad.scan.allowlist import AllowEntry
from launchpad.scan.report import Finding, parse_report
from launchpad.scan.severity import rank

HEADER = ("PACKAGE", "INSTALLED", "FIXED", "CVE", "SEVERITY")


def _rows(findings: Iterable[Finding]) -> list[tuple[str, str, str, str, str]]:
    # The table leaves out the target, so one package found in two layers is one row; worst first.
    rows = {(f.package, f.installed, f.fixed, f.vulnerability_id, f.severity) for f in findings}
    return sorted(rows, key=lambda r: (-rank(r[4]), r[0], r[3]))


def format_table(findings: Iterable[Finding]) -> str:
    rows = [HEADER, *_rows(findings)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


@dataclass(frozen=True)
class GateResult:
    threshold: str
    blocking: tuple[Finding, ...]
    allowlisted: tuple[Finding, ...] = ()
    expired: tuple[AllowEntry, ...] = field(default=())  # entries past their date: reported, never applied

    @property
    def passed(self) -> bool:
        return not self.blocking

    def table(self) -> str:
        """The blocking findings: package, installed, fixed, CVE, severity."""
        return format_table(self.blocking)

    def summary(self) -> str:
        count = len(_rows(self.blocking))
        text = (
            f"{'passed' if self.passed else 'FAILED'}: {count} fixed "
            f"{'vulnerability' if count == 1 else 'vulnerabilities'} at or above {self.threshold}"
        )
        if self.allowlisted:
            text += f"; allowlisted: {', '.join(sorted({f.vulnerability_id for f in self.allowlisted}))}"
        if self.expired:
            text += "; expired allowlist entries (not applied): " + ", ".join(
                f"{e.id} (expired {e.expires.isoformat()})" for e in self.expired
            )
        return text

    def failure_message(self, image: str, report_path: str | None = None) -> str:
        """What a failed `up` shows: one line, the table, and where the full report is."""
        where = f"\nfull Trivy report: {report_path}" if report_path else ""
        return f"image {image}: vulnerability scan gate {self.summary()}\n{self.table()}{where}"


def evaluate(
    report_json: Mapping[str, Any],
    threshold: str = "HIGH",
    allowlist: Iterable[AllowEntry] = (),
    today: dt.date | None = None,
) -> GateResult:
    """Gate a parsed `trivy image --format json` report. `today` is injectable so expiry is testable."""
    floor = rank(threshold)
    today = today or dt.date.today()
    entries = tuple(allowlist)
    active = {e.id for e in entries if e.applies(today)}
    blocking: list[Finding] = []
    allowlisted: list[Finding] = []
    for finding in parse_report(report_json):
        if not finding.is_fixed or rank(finding.severity) < floor:
            continue
        (allowlisted if finding.vulnerability_id in active else blocking).append(finding)
    return GateResult(
        threshold=threshold.upper(),
        blocking=tuple(blocking),
        allowlisted=tuple(allowlisted),
        expired=tuple(e for e in entries if not e.applies(today)),
    )
