"""`python -m launchpad validate | schema | render`, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fleet.fleet_files import BASE, write_fleet

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env_path = {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "launchpad", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**env_path, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def test_validate_examples_says_what_it_converted_and_prints_a_one_line_summary() -> None:
    result = _cli("validate")
    assert result.returncode == 0, result.stderr
    converted = "agents/characters/omni.json: converted from elizaOS v0: "
    assert result.stdout.splitlines() == [
        f"{converted}lore (1 item) appended to bio",
        f"{converted}messageExamples: `user` -> `name` in 2 message(s)",
        f"{converted}clients [discord, telegram, twitter] -> platforms [discord, telegram, twitter] of the agent file",
        f"{converted}modelProvider 'openrouter' -> the agent file's model.provider",
        f"{converted}empty settings.secrets dropped",
        "3 agent(s) valid in 3 file(s): 3 namespace(s), 2 tenant(s), 3 image(s) to build",
    ]


def test_validate_reports_every_problem_and_exits_1(tmp_path: Path) -> None:
    write_fleet(
        tmp_path,
        {
            "a.yaml": BASE.replace("eliza:1.7.2", "eliza:latest"),
            "b.yaml": BASE.replace("name: bot", "name: b").replace("  maxReplicas: 1", "  maxReplica: 1"),
        },
    )
    result = _cli("validate", "agents", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "agents/a.yaml:20: image.ref: must be pinned: a tag other than `latest`, or a digest (@sha256:...)",
        "agents/b.yaml:15: scaling.maxReplica: unknown field `maxReplica`; did you mean `maxReplicas`?",
        "2 problem(s); nothing was deployed",
    ]


def test_schema_matches_the_committed_file() -> None:
    result = _cli("schema")
    assert result.returncode == 0, result.stderr
    committed = json.loads((ROOT / "agents" / "agent.schema.json").read_text())
    assert json.loads(result.stdout) == committed, "run `python -m launchpad schema > agents/agent.schema.json`"
    assert "maxReplicas" in json.dumps(committed) and committed["additionalProperties"] is False


def test_render_writes_manifests_and_dockerfiles_with_secrets_redacted(tmp_path: Path) -> None:
    result = _cli("render", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert [f for f in files if f.startswith("agents/")] == [
        "agents/crypto-trading-bot.yaml",
        "agents/omni-agent.yaml",
        "agents/support-assistant.yaml",
    ]
    assert len([f for f in files if f.endswith("Dockerfile")]) == 3
    secret_docs = (tmp_path / "agents" / "omni-agent.yaml").read_text()
    assert "DISCORD_API_TOKEN: <set by pulumi config>" in secret_docs


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # `schema | true`: the reader exits at once, long before the interpreter has started and writes, so the
    # write meets a closed pipe (with `| head -1` the ~20 KB would fit the pipe's buffer and never fail).
    done = subprocess.run(
        f"{sys.executable} -m launchpad schema | true; echo ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.stderr == ""
    assert done.stdout == "1\n"  # the command says it did not finish, as a shell tool does


@pytest.mark.parametrize("module", ["launchpad.errors", "launchpad.fleet.models", "launchpad.fleet"])
def test_ctrl_c_while_the_command_loads_is_interrupted_not_a_traceback(module: str) -> None:
    """Issue 18: Ctrl-C while a command was still importing its modules (most of its first second) printed a
    traceback through importlib. The signal is sent right after `module` is imported (python -X importtime
    says when), so it lands while the next ones load, every time."""
    import signal

    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "launchpad", "validate"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if line.rstrip().endswith(f"| {module}") or line.rstrip().endswith(f"|   {module}"):
            break
        if line.split("|")[-1].strip() == module:
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    err = "\n".join(line for line in rest.splitlines() if not line.startswith("import time:"))
    assert "Traceback" not in err, err
    assert (process.returncode, err.strip()) == (130, "interrupted")
