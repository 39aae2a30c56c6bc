"""A throwaway copy of the project driven by the real Pulumi engine: its own file backend, its own
PostgreSQL, the `dev` stack. The copy keeps the repository clean; `.venv` is linked, not copied."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COPIED = (
    "__main__.py",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "Pulumi.local.yaml",
    "components",
    "launchpad",
    "agents",
    "supabase",
    "monitoring",
    "policies",
    "services",  # `python -m launchpad` wires the services' commands
)
DB_PASSWORD = "e2e-db-password-not-for-state"  # trust auth ignores it; it must still never reach the state


@dataclass
class Workspace:
    project: Path
    env: dict[str, str]
    database_url: str
    stack: str = "dev"

    def pulumi(
        self, *args: str, check: bool = True, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self._run(["pulumi", *args, "--non-interactive"], f"pulumi {' '.join(args)}", check, cwd, 600, env)

    def launchpad(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`python -m launchpad ...` in the project, against the same backend as `pulumi`."""
        command = [str(self.project / ".venv" / "bin" / "python"), "-m", "launchpad", *args]
        return self._run(command, f"launchpad {' '.join(args)}", check, None, 1200)

    def _run(
        self, command: list[str], what: str, check: bool, cwd: Path | None, timeout: int,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            command, cwd=cwd or self.project, env={**self.env, **(env or {})}, capture_output=True, text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{what} failed ({result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
            )
        return result

    def export(self, stack: str) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.pulumi("stack", "export", "--stack", stack).stdout)
        return state

    def preview_steps(self, *extra: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Steps of `pulumi preview --json` other than `same`."""
        out = self.pulumi("preview", "--stack", self.stack, "--json", *extra, env=env).stdout
        steps: list[dict[str, Any]] = json.loads(out).get("steps", [])
        return [s for s in steps if s.get("op") != "same"]

    def resources(self, stack: str) -> list[dict[str, Any]]:
        """The state's resources with ciphertexts blanked: each export re-encrypts secrets with a new nonce."""
        resources: list[dict[str, Any]] = blank_ciphertexts(self.export(stack)["deployment"]["resources"])
        return resources

    def rendered_files(self) -> list[Path]:
        render = self.project / "build" / "manifests"
        return sorted(p for p in render.rglob("*") if p.is_file()) if render.exists() else []


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")  # Pulumi.yaml and PulumiPolicy.yaml name ./.venv, ../.venv
    return target


def engine_env(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": "",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }
    )
    env.pop("KUBECONFIG", None)  # the offline render provider predates the fix for an ambient KUBECONFIG
    env.pop("PULUMI_CONFIG", None)
    return env


def blank_ciphertexts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("<ciphertext>" if k == "ciphertext" else blank_ciphertexts(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [blank_ciphertexts(v) for v in value]
    return value
