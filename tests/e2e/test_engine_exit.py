"""A killed engine leaves nothing behind (issue 18): `pulumi up` killed with SIGKILL while every kind of engine
process runs (the language host and its Python program, the Kubernetes provider, the Python dynamic provider),
and within seconds no process of its session is left. Before the fix, the language host, the Kubernetes provider
and the dynamic provider (~235 MB) stayed under PID 1: the first two until a 5-minute health check at best, the
dynamic provider for good (tools/engine/langhost/enginewatch.go)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.workspace import ROOT, engine_env

PROGRAM = Path(__file__).parent / "slow_program"


def _session(sid: int) -> list[tuple[int, str]]:
    """(pid, command) of the live processes of session `sid` (the engine's, and everything it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state, _, _, session = stat[stat.rindex(")") + 2 :].split()[:4]
            if int(session) == sid and state != "Z":
                found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (OSError, ValueError):
            continue
    return found


def test_a_killed_up_leaves_no_engine_process(engine: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROGRAM, project)
    (project / ".venv").symlink_to(ROOT / ".venv")
    env = engine_env(tmp_path / "state")
    (tmp_path / "state").mkdir()
    subprocess.run(["pulumi", "stack", "init", "dev", "--non-interactive"], cwd=project, env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    up = subprocess.Popen(
        ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive"], cwd=project, env=env,
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            running = " ".join(command for _, command in _session(up.pid))
            if "pulumi.dynamic" in running and "pulumi-resource-kubernetes" in running:
                break
            assert up.poll() is None, "pulumi up ended before its plugins started"
            time.sleep(0.5)
        else:
            pytest.fail(f"the plugins did not start: {_session(up.pid)}")
        assert "pulumi-language-python" in running
        up.send_signal(signal.SIGKILL)
        up.wait()
        deadline = time.monotonic() + 15
        while _session(up.pid) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert _session(up.pid) == [], "left behind by the killed engine"
    finally:
        for pid, _ in _session(up.pid):
            os.kill(pid, signal.SIGKILL)
