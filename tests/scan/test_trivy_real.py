"""The scan gate with the real Trivy (tools/trivy), offline on the fixture DB (fixtures/trivy-advisories.json),
over an image built without Docker: the runtime excerpt at /app over a minimal Debian layer
(scanned_image.py), as a root filesystem and as an image tar. The recorded-JSON tests next to these pin the
gate's arithmetic; these prove Trivy really reports what the gate expects, from the files it is given."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from launchpad.providers.image_scan import ScanGateFailed, scan_image
from launchpad.scan import AllowEntry, TrivyError, run_scan
from launchpad.scan.trivy import Target
from tests.scan.scanned_image import ScannedImage
from tests.scan.trivy_live import ROOT, raw_trivy

TODAY = dt.date(2026, 11, 24)
# Exactly the fixed HIGH/CRITICAL advisories of the fixture DB that match the excerpt's versions: not the
# fixed MEDIUM (dotenv), the unfixed CRITICALs (handlebars, zlib1g) or the HIGH for helmet < 1.
TABLE = """\
PACKAGE    INSTALLED       FIXED           CVE                     SEVERITY
express    5.3.0           99.0.0          LAUNCHPAD-FIXTURE-0001  CRITICAL
libc6      2.36-9+deb12u4  2.36-9+deb12u6  CVE-2024-2961           HIGH
socket.io  4.8.4           99.0.0          LAUNCHPAD-FIXTURE-0002  HIGH"""
BLOCKING = {"LAUNCHPAD-FIXTURE-0001", "LAUNCHPAD-FIXTURE-0002", "CVE-2024-2961"}


def _scan(target: Target, trivy: str, cache: Path, report: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    result = run_scan(target, report, trivy=trivy, cache_dir=cache, today=kwargs.pop("today", TODAY), **kwargs)
    assert result is not None
    return result


def test_exactly_the_fixed_high_and_critical_findings_block_a_rootfs(
    trivy: str, trivy_cache: Path, excerpt: ScannedImage, tmp_path: Path
) -> None:
    result = _scan(Target("rootfs", str(excerpt.rootfs)), trivy, trivy_cache, tmp_path / "r.json")
    assert not result.passed
    assert result.table() == TABLE
    assert result.summary() == "FAILED: 3 fixed vulnerabilities at or above HIGH"
    assert {f.target for f in result.blocking} == {f"{excerpt.rootfs} (debian 12.8)", "Node.js"}


def test_the_image_tar_gives_the_same_verdict_and_a_full_report(
    trivy: str, trivy_cache: Path, excerpt: ScannedImage, tmp_path: Path
) -> None:
    report = tmp_path / "build" / "scan" / "excerpt.json"
    result = _scan(Target("archive", str(excerpt.archive)), trivy, trivy_cache, report)
    assert result.table() == TABLE
    data = json.loads(report.read_text())
    assert data["ArtifactType"] == "container_image" and data["ArtifactName"] == str(excerpt.archive)
    assert data["Metadata"]["OS"] == {"Family": "debian", "Name": "12.8"}
    assert data["Metadata"]["RepoTags"] == [excerpt.tag]
    assert len(data["Metadata"]["DiffIDs"]) == 2  # the Debian layer and /app
    reported = {
        (v["VulnerabilityID"], v["PkgName"], v["InstalledVersion"], v["FixedVersion"], v["Severity"])
        for r in data["Results"]
        for v in r.get("Vulnerabilities") or []
    }
    assert reported == {
        ("LAUNCHPAD-FIXTURE-0001", "express", "5.3.0", "99.0.0", "CRITICAL"),
        ("LAUNCHPAD-FIXTURE-0002", "socket.io", "4.8.4", "99.0.0", "HIGH"),
        ("CVE-2024-2961", "libc6", "2.36-9+deb12u4", "2.36-9+deb12u6", "HIGH"),
    }
    (node,) = [r for r in data["Results"] if r["Target"] == "Node.js"]
    # Trivy found each package by its package.json under /app, the path the image runs it from.
    assert {v["PkgPath"] for v in node["Vulnerabilities"]} == {
        "app/node_modules/express/package.json",
        "app/node_modules/socket.io/package.json",
    }


def test_the_db_holds_what_the_gate_leaves_out(trivy: str, trivy_cache: Path, excerpt: ScannedImage) -> None:
    # Without the gate's --severity and --ignore-unfixed, the same DB matches the MEDIUM and the unfixed
    # advisories too: the gate's exclusions are its decision, not a gap in the fixture.
    done = raw_trivy(trivy, trivy_cache, "rootfs", "--format", "json", "--quiet", str(excerpt.rootfs))
    assert done.returncode == 0, done.stderr
    found = {
        (v["VulnerabilityID"], v["PkgName"], v.get("FixedVersion", ""), v["Severity"], v["Status"])
        for r in json.loads(done.stdout)["Results"]
        for v in r.get("Vulnerabilities") or []
    }
    assert found == {
        ("LAUNCHPAD-FIXTURE-0001", "express", "99.0.0", "CRITICAL", "fixed"),
        ("LAUNCHPAD-FIXTURE-0002", "socket.io", "99.0.0", "HIGH", "fixed"),
        ("LAUNCHPAD-FIXTURE-0003", "dotenv", "99.0.0", "MEDIUM", "fixed"),
        ("LAUNCHPAD-FIXTURE-0004", "handlebars", "", "CRITICAL", "affected"),
        ("CVE-2024-2961", "libc6", "2.36-9+deb12u6", "HIGH", "fixed"),
        ("CVE-2023-45853", "zlib1g", "", "CRITICAL", "will_not_fix"),
    }  # and not LAUNCHPAD-FIXTURE-0005: helmet 8.3.0 is outside "<1.0.0"


def test_a_lower_threshold_blocks_the_medium_finding(
    trivy: str, trivy_cache: Path, excerpt: ScannedImage, tmp_path: Path
) -> None:
    result = _scan(Target("rootfs", str(excerpt.rootfs)), trivy, trivy_cache, tmp_path / "r.json", threshold="MEDIUM")
    assert {f.vulnerability_id for f in result.blocking} == {*BLOCKING, "LAUNCHPAD-FIXTURE-0003"}
    assert result.table().splitlines()[-1].split() == ["dotenv", "17.4.2", "99.0.0", "LAUNCHPAD-FIXTURE-0003", "MEDIUM"]


def test_the_allowlist_applies_through_its_expiry_day(
    trivy: str, trivy_cache: Path, excerpt: ScannedImage, tmp_path: Path
) -> None:
    allow = [AllowEntry(i, dt.date(2026, 12, 31), "fixture: accepted until the vendor fix") for i in sorted(BLOCKING)]
    target = Target("archive", str(excerpt.archive))
    last_day = _scan(target, trivy, trivy_cache, tmp_path / "r.json", allowlist=allow, today=dt.date(2026, 12, 31))
    assert last_day.passed
    assert last_day.summary() == (
        "passed: 0 fixed vulnerabilities at or above HIGH; allowlisted: CVE-2024-2961, LAUNCHPAD-FIXTURE-0001, "
        "LAUNCHPAD-FIXTURE-0002"
    )
    day_after = _scan(target, trivy, trivy_cache, tmp_path / "r.json", allowlist=allow, today=dt.date(2027, 1, 1))
    assert not day_after.passed and day_after.table() == TABLE
    assert day_after.summary().endswith(
        "expired allowlist entries (not applied): CVE-2024-2961 (expired 2026-12-31), LAUNCHPAD-FIXTURE-0001 "
        "(expired 2026-12-31), LAUNCHPAD-FIXTURE-0002 (expired 2026-12-31)"
    )
    partial = _scan(target, trivy, trivy_cache, tmp_path / "r.json", allowlist=allow[:1])
    assert {f.vulnerability_id for f in partial.blocking} == BLOCKING - {"CVE-2024-2961"}


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "launchpad", "scan", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_the_command_prints_the_table_and_keeps_the_report_under_build_scan(
    trivy: str, trivy_cache: Path, excerpt: ScannedImage, tmp_path: Path
) -> None:
    done = _cli(tmp_path, "--input", str(excerpt.archive), "--cache-dir", str(trivy_cache))
    assert done.returncode == 1, done.stderr
    assert done.stdout == (
        f"vulnerability DB: {trivy_cache} (updated 2026-11-24)\n"
        f"{excerpt.archive}: vulnerability scan gate FAILED: 3 fixed vulnerabilities at or above HIGH\n"
        f"{TABLE}\nreport: build/scan/image.json\n"
    )
    report = json.loads((tmp_path / "build" / "scan" / "image.json").read_text())
    assert report["SchemaVersion"] == 2 and report["ArtifactName"] == str(excerpt.archive)
    allowlist = tmp_path / "allow.yaml"
    allowlist.write_text(
        "".join(f"- id: {i}\n  expires: 2999-12-31\n  reason: fixture, accepted\n" for i in sorted(BLOCKING))
    )
    done = _cli(
        tmp_path, "--rootfs", str(excerpt.rootfs), "--cache-dir", str(trivy_cache), "--allowlist", str(allowlist)
    )
    assert done.returncode == 0, done.stderr
    assert "vulnerability scan gate passed: 0 fixed vulnerabilities at or above HIGH; allowlisted: " in done.stdout
    assert f"report: build/scan/{excerpt.rootfs.name}.json\n" in done.stdout


def test_an_empty_cache_dir_is_a_clear_error(
    trivy: str, excerpt: ScannedImage, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    expected = (
        f"cannot scan {excerpt.archive}: no Trivy vulnerability database in {empty}: {empty}/db/trivy.db, "
        f"{empty}/db/metadata.json missing."
    )
    with pytest.raises(TrivyError) as caught:
        run_scan(Target("archive", str(excerpt.archive)), tmp_path / "r.json", trivy=trivy, cache_dir=empty)
    assert str(caught.value).startswith(expected)
    done = _cli(tmp_path, "--input", str(excerpt.archive), "--cache-dir", str(empty))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"scan: {expected} Mirror one there") and "Traceback" not in done.stderr


def test_a_missing_image_is_a_clear_error(trivy: str, trivy_cache: Path, tmp_path: Path) -> None:
    gone = tmp_path / "gone.tar"
    with pytest.raises(TrivyError, match=rf"^cannot scan image archive {gone}: no such file$"):
        run_scan(Target("archive", str(gone)), tmp_path / "r.json", trivy=trivy, cache_dir=trivy_cache)
    done = _cli(tmp_path, "--rootfs", str(tmp_path / "nowhere"), "--cache-dir", str(trivy_cache))
    nowhere = tmp_path / "nowhere"
    assert (done.returncode, done.stderr) == (2, f"scan: cannot scan root filesystem {nowhere}: no such directory\n")
    # The deploy step's case: an image reference nothing serves (no Docker engine, a registry that refuses).
    image = "127.0.0.1:9/agents/eliza-runtime:missing"
    props = {"image": image, "report_path": str(tmp_path / "build" / "scan" / "missing.json"), "threshold": "HIGH",
             "allowlist_path": None, "required": True, "cache_dir": str(trivy_cache)}  # fmt: skip
    with pytest.raises(TrivyError) as caught:
        scan_image(props)
    message = str(caught.value)
    assert message.startswith(f"trivy failed on {image} (exit 1): ") and "FATAL" in message
    assert "connection refused" in message  # the registry's answer is in it, not a wall of retries
    assert not isinstance(caught.value, ScanGateFailed)
