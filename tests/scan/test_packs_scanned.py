"""A pack (several agents in one server: its Deployment with the init container that writes the characters, its
Secret, ServiceAccount and NetworkPolicy, and each agent's ConfigMap, Secret and Service) as `python -m launchpad
render` writes it for docs/examples/packing: checkov and `trivy config` find nothing, with the same configuration
as the example fleet (tests/scan/test_checkov.py, test_trivy_config.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from launchpad.fleet import load_fleet
from launchpad.scan.config_scan import run_config_scan
from tests.scan.test_checkov import checkov, failed, run_checkov  # noqa: F401 - the fixture
from tests.scan.trivy_live import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "packing"


@pytest.fixture(scope="module")
def rendered_packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render-packs")
    subprocess.run([sys.executable, "-m", "launchpad", "render", "--out", str(out), str(EXAMPLE)], cwd=ROOT, check=True)
    packs = list((out / "packs").glob("*.yaml"))
    assert len(packs) == len(load_fleet([EXAMPLE]).packs) == 1
    kinds = {d["kind"] for d in yaml.safe_load_all(packs[0].read_text())}
    assert kinds == {"ServiceAccount", "Secret", "Deployment", "NetworkPolicy"}
    return out


def test_checkov_finds_nothing_in_a_pack(checkov: str, rendered_packs: Path) -> None:  # noqa: F811
    reports = run_checkov(checkov, rendered_packs)
    assert {framework: failed(report) for framework, report in reports.items()} == {"kubernetes": set()}
    assert reports["kubernetes"]["summary"]["parsing_errors"] == 0


def test_trivy_config_finds_nothing_in_a_pack(trivy: str, rendered_packs: Path, tmp_path: Path) -> None:
    registry = load_fleet().registry
    assert registry is not None
    result = run_config_scan(rendered_packs, [registry], tmp_path / "config.json", trivy=trivy,
                             cache_dir=tmp_path / "cache")  # fmt: skip
    assert result.failing == () and result.declared == ()
