"""checkov (PyPI) over what agent-launchpad deploys: the manifests and Dockerfiles `python -m launchpad
render` writes must pass with policies/checkov/.checkov.yaml, whose every skip is justified inline.

checkov lives in its own virtualenv (its pins clash with the project's, e.g. packaging<24): found through
$CHECKOV, then PATH, then $LAUNCHPAD_CACHE/checkov-venv (default ~/.cache/agent-launchpad). Without it
these tests skip, except in CI, where a missing checkov is a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad.cache import cache_root

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "policies" / "checkov" / ".checkov.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "checkov"
CHECKOV_VERSION = "3.3.30"


def _find_checkov() -> str | None:
    cached = cache_root() / "checkov-venv" / "bin" / "checkov"
    for candidate in (os.environ.get("CHECKOV"), shutil.which("checkov"), cached):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def checkov() -> str:
    found = _find_checkov()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"checkov is not installed; CI installs checkov=={CHECKOV_VERSION} in its own virtualenv")
        pytest.skip(
            "checkov not installed: python3 -m venv ~/.cache/agent-launchpad/checkov-venv && "
            f"~/.cache/agent-launchpad/checkov-venv/bin/pip install checkov=={CHECKOV_VERSION}"
        )
    return found


def run_checkov(checkov: str, directory: Path) -> dict[str, dict[str, Any]]:
    """checkov's JSON report per framework ("kubernetes", "dockerfile")."""
    done = subprocess.run(
        [checkov, "-d", str(directory), "--config-file", str(CONFIG), "-o", "json"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1 = failed checks; anything else = checkov broke
    reports = json.loads(done.stdout)
    return {r["check_type"]: r for r in (reports if isinstance(reports, list) else [reports])}


def failed(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(c["check_id"], c["resource"], c["file_path"]) for c in report["results"]["failed_checks"]}


@pytest.fixture(scope="module")
def fixtures(checkov: str) -> dict[str, dict[str, Any]]:
    """The safe agent (good/) and the unsafe one (bad/) in one run (checkov's start-up is most of its time)."""
    return run_checkov(checkov, FIXTURES)


def failed_in(report: dict[str, Any], directory: str) -> set[tuple[str, str, str]]:
    return {f for f in failed(report) if f[2].startswith(f"/{directory}/")}


def test_rendered_manifests_and_dockerfiles_pass(checkov: str, rendered: Path) -> None:
    reports = run_checkov(checkov, rendered)
    assert {framework: failed(report) for framework, report in reports.items()} == {
        "kubernetes": set(),
        "dockerfile": set(),
    }
    _assert_all_read(reports, rendered)


def test_a_restricted_agent_passes(fixtures: dict[str, dict[str, Any]]) -> None:
    assert {k: failed_in(r, "good") for k, r in fixtures.items()} == {"kubernetes": set(), "dockerfile": set()}
    # ... having been read (checkov lists no passed check with `quiet`): every file and object was counted.
    _assert_all_read(fixtures, FIXTURES)


def _assert_all_read(reports: dict[str, dict[str, Any]], directory: Path) -> None:
    assert set(reports) == {"kubernetes", "dockerfile"}  # both were found and scanned
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports.values())
    assert reports["dockerfile"]["summary"]["resource_count"] == len(list(directory.rglob("Dockerfile")))
    objects = [d for f in directory.rglob("*.yaml") for d in yaml.safe_load_all(f.read_text()) if d]
    # checkov also counts each pod template's containers as resources of their own.
    assert reports["kubernetes"]["summary"]["resource_count"] >= len(objects) > 0


def test_an_unsafe_agent_fails(fixtures: dict[str, dict[str, Any]]) -> None:
    # The config must not skip what matters: these fail whatever checkov adds in later versions.
    reports = {k: {"results": {"failed_checks": [c for c in r["results"]["failed_checks"] if c["file_path"]
               .startswith("/bad/")]}} for k, r in fixtures.items()}  # fmt: skip
    k8s = {check for check, _, _ in failed(reports["kubernetes"])}
    assert {
        "CKV_K8S_16",  # privileged
        "CKV_K8S_20",  # allowPrivilegeEscalation
        "CKV_K8S_14",  # :latest
        "CKV_K8S_19",  # hostNetwork
        "CKV_K8S_22",  # writable root filesystem
        "CKV_K8S_11",  # no CPU limit
        "CKV_K8S_13",  # no memory limit
    } <= k8s
    docker = {check for check, _, _ in failed(reports["dockerfile"])}
    assert {"CKV_DOCKER_7", "CKV_DOCKER_3", "CKV_DOCKER_2"} <= docker  # :latest base, no USER, no HEALTHCHECK


def test_every_skip_is_justified_inline() -> None:
    lines = CONFIG.read_text().splitlines()
    skips = [i for i, line in enumerate(lines) if line.strip().startswith("- CKV")]
    assert skips
    for i in skips:
        check = lines[i].strip()[2:]
        assert lines[i - 1].strip().startswith("#") and check in "\n".join(lines[max(0, i - 5) : i]), check
