import datetime as dt

import pytest

from launchpad.scan import AllowEntry, evaluate
from tests.scan.recorded import report

TODAY = dt.date(2026, 11, 24)
HIGH_TABLE = """\
PACKAGE         INSTALLED       FIXED                               CVE             SEVERITY
cross-spawn     7.0.3           7.0.5, 6.0.6                        CVE-2024-21538  HIGH
libc-bin        2.36-9+deb12u4  2.36-9+deb12u7                      CVE-2024-2961   HIGH
libc6           2.36-9+deb12u4  2.36-9+deb12u7                      CVE-2024-2961   HIGH
path-to-regexp  0.1.7           1.9.0, 0.1.10, 8.0.0, 3.3.0, 6.3.0  CVE-2024-45296  HIGH"""


def test_below_the_threshold_passes() -> None:
    result = evaluate(report("medium"), "HIGH", today=TODAY)
    assert result.passed
    assert result.summary() == "passed: 0 fixed vulnerabilities at or above HIGH"


def test_a_clean_image_passes_at_any_threshold() -> None:
    assert evaluate(report("clean"), "LOW", today=TODAY).passed


def test_fixed_high_findings_fail_with_the_table() -> None:
    result = evaluate(report("high"), today=TODAY)  # default threshold: HIGH
    assert not result.passed
    assert result.table() == HIGH_TABLE
    assert result.failure_message("eliza-runtime:1.7.2", "build/scan/eliza-runtime.json") == (
        "image eliza-runtime:1.7.2: vulnerability scan gate FAILED: 4 fixed vulnerabilities at or above HIGH\n"
        f"{HIGH_TABLE}\nfull Trivy report: build/scan/eliza-runtime.json"
    )


def test_unfixed_critical_does_not_fail() -> None:
    # zlib1g CVE-2023-45853 is CRITICAL but will_not_fix: there is nothing to upgrade to.
    result = evaluate(report("high"), "CRITICAL", today=TODAY)
    assert result.passed


def test_a_lower_threshold_catches_more() -> None:
    result = evaluate(report("medium"), "MEDIUM", today=TODAY)
    assert [(f.vulnerability_id, f.package) for f in result.blocking] == [
        ("CVE-2024-4067", "micromatch"),
        ("CVE-2025-0395", "libc6"),
    ]


def test_allowlisted_cves_pass_until_expiry() -> None:
    allow = [
        AllowEntry("CVE-2024-2961", dt.date(2026, 12, 31), "iconv ISO-2022-CN-EXT unreachable: gconv removed"),
        AllowEntry("CVE-2024-21538", dt.date(2026, 12, 31), "cross-spawn runs only at build time"),
        AllowEntry("CVE-2024-45296", dt.date(2026, 12, 31), "express routes are fixed strings"),
    ]
    on_the_last_day = evaluate(report("high"), "HIGH", allow, today=dt.date(2026, 12, 31))
    assert on_the_last_day.passed
    assert on_the_last_day.summary() == (
        "passed: 0 fixed vulnerabilities at or above HIGH; allowlisted: CVE-2024-21538, CVE-2024-2961, CVE-2024-45296"
    )
    the_day_after = evaluate(report("high"), "HIGH", allow, today=dt.date(2027, 1, 1))
    assert not the_day_after.passed
    assert the_day_after.table() == HIGH_TABLE
    assert the_day_after.summary() == (
        "FAILED: 4 fixed vulnerabilities at or above HIGH; expired allowlist entries (not applied): "
        "CVE-2024-2961 (expired 2026-12-31), CVE-2024-21538 (expired 2026-12-31), CVE-2024-45296 (expired 2026-12-31)"
    )


def test_a_partial_allowlist_leaves_the_rest_blocking() -> None:
    allow = [AllowEntry("CVE-2024-2961", dt.date(2027, 1, 31), "gconv modules removed")]
    result = evaluate(report("high"), "HIGH", allow, today=TODAY)
    assert {f.vulnerability_id for f in result.blocking} == {"CVE-2024-21538", "CVE-2024-45296"}
    assert {f.package for f in result.allowlisted} == {"libc6", "libc-bin"}


def test_an_unknown_threshold_is_refused() -> None:
    expected = "unknown severity 'SEVERE': expected one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL"
    with pytest.raises(ValueError, match=expected):
        evaluate(report("high"), "SEVERE", today=TODAY)
