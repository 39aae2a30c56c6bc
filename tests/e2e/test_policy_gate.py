"""The policy pack under the real engine: a privileged container and a plaintext token stop a preview with
the production config (mandatory) and only warn with the dev config (advisory)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.workspace import ROOT, Workspace, engine_env

PROGRAM = Path(__file__).parent / "unsafe_program"
# "- [mandatory] [severity: critical]  pod-no-privileged  (kubernetes:apps/v1:Deployment: unsafe)"
VIOLATION = re.compile(r"- \[(advisory|mandatory)\] \[severity: \w+\]\s+(\S+)\s+\(([^)]*)\)")


@pytest.fixture(scope="module")
def unsafe(engine: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("unsafe")
    project = base / "program"
    shutil.copytree(PROGRAM, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / ".venv").symlink_to(ROOT / ".venv")
    (base / "state").mkdir()
    env = {**engine_env(base / "state"), "UNSAFE_RENDER_DIR": str(base / "render")}
    ws = Workspace(project, env, "")
    ws.pulumi("stack", "init", "dev")
    return ws


def _preview(ws: Workspace, config: str):  # type: ignore[no-untyped-def]
    return ws.pulumi(
        "preview",
        "--stack",
        "dev",
        "--policy-pack",
        str(ROOT / "policies"),
        "--policy-pack-config",
        str(ROOT / "policies" / "config" / config),
        check=False,
    )


def test_prod_gate_blocks_with_the_violation_text(unsafe: Workspace) -> None:
    result = _preview(unsafe, "prod.json")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # Exactly what is wrong with the program, nothing more: the privileged container, the literal token, and
    # the image that is not pinned by digest (production pins digests).
    assert sorted(VIOLATION.findall(output)) == [
        ("mandatory", policy, "kubernetes:apps/v1:Deployment: unsafe")
        for policy in ("env-no-credential-literals", "image-digest-pinned", "pod-no-privileged")
    ]
    assert "container 'bot' runs privileged: remove securityContext.privileged" in output
    assert (
        "container 'bot' env DISCORD_API_TOKEN holds a literal credential (value not shown): use valueFrom.secretKeyRef"
    ) in output
    assert "plaintext-token-in-the-manifest" not in output.split("Policies:")[-1]


def test_dev_gate_warns_only(unsafe: Workspace) -> None:
    result = _preview(unsafe, "dev.json")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "[advisory]" in output and "runs privileged" in output
