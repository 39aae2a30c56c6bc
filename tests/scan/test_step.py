"""The scan gate as the deploy step runs it: a `trivy` on PATH (here a script that writes a recorded report,
tests/scan/recorded.py), the report written beside the build, the step refused with the
summary table when the gate fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from launchpad.providers.image_scan import ScanGateFailed, scan_image
from tests.scan.recorded import FIXTURES, recorded_trivy

IMAGE = "registry.launchpad.internal:5000/agents/eliza-runtime@sha256:" + "c" * 64
TODAY = dt.date(2026, 11, 24)


def _props(tmp_path: Path, allowlist: Path | None = None) -> dict:
    return {
        "image": IMAGE,
        "report_path": str(tmp_path / "scan" / "r.json"),
        "threshold": "HIGH",
        "allowlist_path": str(allowlist) if allowlist else None,
        "required": True,
    }


def test_a_clean_image_passes_and_the_report_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded_trivy(tmp_path / "bin", "medium")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    outs = scan_image(_props(tmp_path), today=TODAY)
    assert outs["blocking"] == 0
    assert (tmp_path / "scan" / "r.json").is_file()


def test_blocking_vulnerabilities_refuse_the_step_with_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded_trivy(tmp_path / "bin", "high")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    with pytest.raises(ScanGateFailed) as caught:
        scan_image(_props(tmp_path), today=TODAY)
    message = str(caught.value)
    assert message.startswith(f"image {IMAGE}: vulnerability scan gate ")
    assert "CVE" in message and "full Trivy report: " in message


def test_allowlisted_findings_pass_until_they_expire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    recorded_trivy(tmp_path / "bin", "high")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    report = json.loads((FIXTURES / "eliza-runtime-high.json").read_text())
    blocking = [
        v["VulnerabilityID"]
        for r in report["Results"]
        for v in r.get("Vulnerabilities") or []
        if v["Severity"] in ("HIGH", "CRITICAL") and v.get("FixedVersion")
    ]
    ids = sorted(set(blocking))  # one CVE can hit several packages
    allowlist = tmp_path / "allow.yaml"
    allowlist.write_text("".join(f"- id: {i}\n  expires: 2026-12-31\n  reason: vendor fix pending\n" for i in ids))
    assert scan_image(_props(tmp_path, allowlist), today=TODAY)["allowlisted"] == len(blocking)
    with pytest.raises(ScanGateFailed):
        scan_image(_props(tmp_path, allowlist), today=dt.date(2027, 1, 1))
