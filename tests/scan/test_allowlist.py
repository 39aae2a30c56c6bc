import datetime as dt
from pathlib import Path

import pytest

from launchpad.scan import AllowEntry, AllowlistError, load_allowlist, parse_allowlist

GOOD = """\
# CVEs accepted for the agent runtime image; renew or fix before expiry.
- id: CVE-2024-2961
  expires: 2026-12-31
  reason: iconv ISO-2022-CN-EXT is unreachable, gconv modules are removed from the image
- id: CVE-2024-21538
  expires: "2027-01-31"
  reason: cross-spawn is used by the build toolchain only
"""


def test_entries_are_read(tmp_path: Path) -> None:
    path = tmp_path / "allowlist.yaml"
    path.write_text(GOOD)
    assert load_allowlist(path) == (
        AllowEntry(
            "CVE-2024-2961",
            dt.date(2026, 12, 31),
            "iconv ISO-2022-CN-EXT is unreachable, gconv modules are removed from the image",
        ),
        AllowEntry("CVE-2024-21538", dt.date(2027, 1, 31), "cross-spawn is used by the build toolchain only"),
    )


def test_an_empty_file_allows_nothing(tmp_path: Path) -> None:
    path = tmp_path / "allowlist.yaml"
    path.write_text("# nothing accepted\n")
    assert load_allowlist(path) == ()


def test_a_missing_reason_is_an_error() -> None:
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist([{"id": "CVE-2024-2961", "expires": "2026-12-31"}], "allow.yaml")
    assert str(caught.value) == (
        "allow.yaml[0]: reason is missing (every allowlisted CVE needs an id, expires and reason)"
    )


def test_a_blank_reason_is_an_error() -> None:
    with pytest.raises(AllowlistError, match=r"allow.yaml\[0\]: reason is missing"):
        parse_allowlist([{"id": "CVE-1", "expires": "2026-12-31", "reason": "  "}], "allow.yaml")


def test_a_missing_expiry_is_an_error() -> None:
    with pytest.raises(AllowlistError, match=r"^allow.yaml\[0\]: expires is missing"):
        parse_allowlist([{"id": "CVE-1", "reason": "r"}], "allow.yaml")


def test_a_bad_date_is_an_error() -> None:
    with pytest.raises(AllowlistError, match=r"^allow.yaml\[0\]: expires 'next year' is not a date \(YYYY-MM-DD\)$"):
        parse_allowlist([{"id": "CVE-1", "expires": "next year", "reason": "r"}], "allow.yaml")


def test_typos_and_duplicates_are_errors() -> None:
    with pytest.raises(AllowlistError, match=r"unknown field\(s\) reasn"):
        parse_allowlist([{"id": "CVE-1", "expires": "2026-12-31", "reasn": "r"}])
    twice = [{"id": "CVE-1", "expires": "2026-12-31", "reason": "r"}] * 2
    with pytest.raises(AllowlistError, match="CVE-1 is listed twice"):
        parse_allowlist(twice)


def test_an_entry_applies_through_its_expiry_day() -> None:
    entry = AllowEntry("CVE-1", dt.date(2026, 12, 31), "r")
    assert entry.applies(dt.date(2026, 12, 31))
    assert not entry.applies(dt.date(2027, 1, 1))
