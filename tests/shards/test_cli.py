"""`python -m launchpad shards ...` before any stack runs: what it refuses, with which message. No engine
here: PATH holds no `pulumi`, so a command that got as far as a stack would fail differently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.program_eval import write_fleet

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_FILE = """\
config:
  agent-launchpad:renderDir: build/manifests
  agent-launchpad:imageBuild: skip
  agent-launchpad:sharding:
    by: hash
    count: 3
"""


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "launchpad", "shards", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)


def _project(tmp_path: Path, platform_file: str = PLATFORM_FILE) -> Path:
    write_fleet(tmp_path / "agents", 6)
    (tmp_path / "Pulumi.prod.yaml").write_text(platform_file)
    return tmp_path


def test_an_unsharded_stack_is_validated_before_its_state_is_read(tmp_path: Path) -> None:
    """An unsharded stack is planned as one stack, after reading which server its state runs each agent in (agents
    joining or leaving packs: tests/e2e/test_kube_local_stack.py runs it): a bad fleet stops before that."""
    project = _project(tmp_path, PLATFORM_FILE.split("  agent-launchpad:sharding")[0])
    result = _cli(project, "plan", "--stack", "prod", "--json")
    assert (result.returncode, result.stderr.strip()) == (1, "no `pulumi` on PATH (source scripts/engine-env.sh)")
    bad = project / "agents" / "agent-0004.yaml"
    bad.write_text(bad.read_text().replace("model: {provider: openai}", "model: {provider: opnai}"))
    result = _cli(project, "up", "--stack", "prod")
    assert result.returncode == 1
    assert result.stderr.startswith("agents/agent-0004.yaml:7: model.provider: Input should be 'openai'")
    assert result.stderr.rstrip().endswith("1 problem(s); nothing was deployed")


def test_an_invalid_fleet_stops_before_any_stack(tmp_path: Path) -> None:
    project = _project(tmp_path)
    bad = project / "agents" / "agent-0004.yaml"
    bad.write_text(bad.read_text().replace("model: {provider: openai}", "model: {provider: opnai}"))
    result = _cli(project, "up", "--stack", "prod")
    assert result.returncode == 1
    assert result.stderr.startswith("agents/agent-0004.yaml:7: model.provider: Input should be 'openai'")
    assert result.stderr.rstrip().endswith("1 problem(s); nothing was deployed in any stack")


def test_bad_sharding_settings_name_the_key(tmp_path: Path) -> None:
    project = _project(tmp_path, PLATFORM_FILE.replace("count: 3", "count: 0"))
    result = _cli(project, "list", "--stack", "prod")
    assert result.returncode == 1
    assert result.stderr.startswith("Pulumi.prod.yaml: agent-launchpad:sharding.count: Input should be greater")


def test_a_stack_without_sharding_is_not_a_platform(tmp_path: Path) -> None:
    project = _project(tmp_path, PLATFORM_FILE.split("  agent-launchpad:sharding")[0])
    result = _cli(project, "list", "--stack", "prod")
    assert result.returncode == 1
    assert "Pulumi.prod.yaml: agent-launchpad:sharding: not set, so prod is not a platform stack" in result.stderr


def test_without_the_engine_the_command_says_so(tmp_path: Path) -> None:
    result = _cli(_project(tmp_path), "list", "--stack", "prod")
    assert result.returncode == 1
    assert result.stderr.strip() == "no `pulumi` on PATH (source scripts/engine-env.sh)"
