import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from launchpad.scan import TrivyError, TrivyNotFound, find_trivy, run_scan, trivy_command
from launchpad.scan.trivy import TRIVY_VERSION, Target, cached_trivy
from tests.scan.recorded import FIXTURES

ROOT = Path(__file__).resolve().parents[2]

IMAGE = "registry.launchpad.internal:5000/agents/eliza-runtime:1.7.2"


def test_the_command_leaves_the_decision_to_the_gate() -> None:
    assert trivy_command(IMAGE, "build/scan/r.json") == [
        "trivy", "image", "--format", "json", "--severity", "CRITICAL,HIGH", "--ignore-unfixed",
        "--exit-code", "0", "--output", "build/scan/r.json", IMAGE,
    ]  # fmt: skip
    assert trivy_command(IMAGE, "r.json", "MEDIUM", "/opt/trivy")[0:6] == [
        "/opt/trivy", "image", "--format", "json", "--severity", "CRITICAL,HIGH,MEDIUM",
    ]  # fmt: skip


def test_the_offline_command_reads_a_tar_or_a_directory_with_a_mirrored_db() -> None:
    offline = ["--cache-dir", "/srv/trivy", "--skip-db-update", "--skip-java-db-update", "--offline-scan"]
    assert trivy_command(Target("archive", "img.tar"), "r.json", cache_dir="/srv/trivy")[1:2] == ["image"]
    assert trivy_command(Target("archive", "img.tar"), "r.json", cache_dir="/srv/trivy")[-7:] == [
        *offline, "--input", "img.tar",
    ]  # fmt: skip
    assert trivy_command(Target("rootfs", "/x"), "r.json", cache_dir="/srv/trivy")[1:2] == ["rootfs"]
    assert trivy_command(Target("rootfs", "/x"), "r.json", cache_dir="/srv/trivy")[-6:] == [*offline, "/x"]


def test_find_trivy_looks_on_path(tmp_path: Path) -> None:
    assert find_trivy(str(tmp_path), cache=tmp_path / "no-cache") is None
    fake = tmp_path / "trivy"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_trivy(str(tmp_path), cache=tmp_path / "no-cache") == str(fake)


def test_without_trivy_on_path_the_one_tools_trivy_built_is_used(tmp_path: Path) -> None:
    built = cached_trivy(tmp_path / "cache")
    assert built == tmp_path / "cache" / "trivy" / TRIVY_VERSION / "bin" / "trivy"
    built.parent.mkdir(parents=True)
    built.write_text("#!/bin/sh\n")
    assert find_trivy(str(tmp_path / "empty-path"), cache=tmp_path / "cache") is None  # not executable
    built.chmod(0o755)
    assert find_trivy(str(tmp_path / "empty-path"), cache=tmp_path / "cache") == str(built)


def test_the_version_is_the_one_tools_trivy_builds() -> None:
    go_mod = (ROOT / "tools" / "trivy" / "go.mod").read_text()
    required = [line.split()[:2] for line in go_mod.splitlines()]
    assert ["github.com/aquasecurity/trivy", f"v{TRIVY_VERSION}"] in required
    for workflow in ("stack-preview", "stack-up"):  # the users' CI installs the same Trivy for the gate
        text = (ROOT / ".github" / "workflows" / f"{workflow}.yml").read_text()
        assert f"version: v{TRIVY_VERSION} " in text.split("aquasecurity/setup-trivy", 1)[1], workflow


def test_missing_trivy_is_a_clear_error_when_scanning_is_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("LAUNCHPAD_CACHE", str(tmp_path))
    with pytest.raises(TrivyNotFound) as caught:
        run_scan(IMAGE, "r.json")
    assert str(caught.value) == (
        f"cannot scan image {IMAGE}: trivy is not installed (not found on PATH nor in {tmp_path}/trivy/"
        f"{TRIVY_VERSION}/bin) and this stack requires the vulnerability scan gate. Install Trivy "
        "(https://trivy.dev/latest/getting-started/installation/) or build it from Go modules with "
        "`bash tools/trivy/ensure.sh`; on a dev stack only, `pulumi config set agent-launchpad:scan false` turns "
        "the gate off (the policy pack reports unscanned agents)."
    )
    assert run_scan(IMAGE, "r.json", required=False) is None


def _recording_trivy(fixture: str, calls: list[list[str]], returncode: int = 0) -> Any:
    """Stands in for subprocess.run: writes a recorded report where --output says, as trivy would."""

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        output = Path(command[command.index("--output") + 1])
        shutil.copy(FIXTURES / f"eliza-runtime-{fixture}.json", output)
        return subprocess.CompletedProcess(command, returncode, "", "FATAL db download failed" if returncode else "")

    return run


def test_run_scan_writes_the_report_and_gates_it(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    report = tmp_path / "scan" / "eliza-runtime.json"
    runner = _recording_trivy("high", calls)
    result = run_scan(IMAGE, report, trivy="/usr/bin/trivy", runner=runner, today=dt.date(2026, 11, 24))
    assert calls == [trivy_command(IMAGE, report, "HIGH", "/usr/bin/trivy")]
    assert report.exists()
    assert result is not None and not result.passed
    assert {f.vulnerability_id for f in result.blocking} == {"CVE-2024-2961", "CVE-2024-21538", "CVE-2024-45296"}


def test_run_scan_passes_a_fixed_image(tmp_path: Path) -> None:
    result = run_scan(IMAGE, tmp_path / "r.json", trivy="trivy", runner=_recording_trivy("medium", []))
    assert result is not None and result.passed


def test_a_failing_trivy_is_not_a_pass(tmp_path: Path) -> None:
    with pytest.raises(TrivyError, match=r"^trivy failed on .* \(exit 1\): FATAL db download failed$"):
        run_scan(IMAGE, tmp_path / "r.json", trivy="trivy", runner=_recording_trivy("clean", [], returncode=1))


@pytest.mark.skipif(
    find_trivy() is None or not os.environ.get("LAUNCHPAD_TRIVY_LIVE"), reason="live Trivy scan is opt-in (network)"
)
def test_live_trivy(tmp_path: Path) -> None:
    # Opt-in (needs the internet for Trivy's DB): LAUNCHPAD_TRIVY_LIVE=1 on a machine with trivy.
    result = run_scan("alpine:3.20.3", tmp_path / "alpine.json", threshold="CRITICAL")
    assert result is not None


def test_the_command_without_trivy_says_how_to_get_it(tmp_path: Path) -> None:
    import sys

    env = {"PATH": "/nonexistent", "LAUNCHPAD_CACHE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "launchpad", "scan", "--rootfs", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"scan: cannot scan image {tmp_path}: trivy is not installed (not found on PATH nor")
    assert "bash tools/trivy/ensure.sh" in done.stderr and "Traceback" not in done.stderr


def test_the_command_refuses_a_report_it_does_not_understand_in_one_line(tmp_path: Path) -> None:
    # A trivy on PATH of another version, whose JSON report has another schema: exit 2, not a traceback.
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "trivy").write_text(
        '#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = --output ]; then out=$2; fi; shift; done\n'
        "echo '{\"SchemaVersion\": 3}' > \"$out\"\n"
    )
    (bin_dir / "trivy").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "launchpad", "scan", "--rootfs", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "scan: unsupported Trivy report: SchemaVersion 3 (expected 2, from `trivy image --format json`)\n"
    )
