import pytest

from launchpad.scan import Finding, ReportError, parse_report
from tests.scan.recorded import report


def test_every_vulnerability_of_every_target_is_read() -> None:
    findings = parse_report(report("high"))
    assert len(findings) == 9
    assert (
        Finding(
            vulnerability_id="CVE-2024-21538",
            package="cross-spawn",
            installed="7.0.3",
            fixed="7.0.5, 6.0.6",
            severity="HIGH",
            target="Node.js",
        )
        in findings
    )
    (zlib,) = [f for f in findings if f.package == "zlib1g"]
    assert not zlib.is_fixed and zlib.severity == "CRITICAL"


def test_targets_without_vulnerabilities_are_clean() -> None:
    assert parse_report(report("clean")) == []
    assert parse_report({"SchemaVersion": 2}) == []


def test_other_json_is_refused() -> None:
    with pytest.raises(ReportError, match=r"unsupported Trivy report: SchemaVersion None \(expected 2"):
        parse_report({"runs": []})  # a SARIF file, say


def test_a_vulnerability_without_a_package_is_refused() -> None:
    broken = {"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"VulnerabilityID": "CVE-1"}]}]}
    with pytest.raises(ReportError, match=r"^Results\[0\]\.Vulnerabilities\[0\]: Severity is missing or not a string$"):
        parse_report(broken)
