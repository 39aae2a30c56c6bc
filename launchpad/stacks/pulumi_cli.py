"""The `pulumi` command line, run as a subprocess, for the commands that drive several stacks at once
(`python -m launchpad shards ...`). Plain Python: the engine, the backend and the secrets provider are
whatever the user's environment selects (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, ...)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launchpad.contracts import ELIZA_AGENT, ROOT_STACK
from launchpad.errors import UserError
from launchpad.stacks.placements import Held, held


class PulumiError(UserError):
    pass


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    code: int
    output: str  # stdout and stderr, interleaved as printed
    seconds: float


@dataclass(frozen=True)
class Deployed:
    """What a stack's state holds that the shard commands need."""

    agents: dict[str, str]  # agent name -> URN of its ElizaAgent
    outputs: dict[str, Any]  # the stack's exports
    # Which Deployment runs each agent: its own, or its pack's (launchpad/stacks/placements.py).
    servers: Held = field(default_factory=Held)


class Pulumi:
    def __init__(self, cwd: Path, binary: str | None = None) -> None:
        found = binary or shutil.which("pulumi")
        if found is None:
            raise PulumiError("no `pulumi` on PATH (source scripts/engine-env.sh)")
        self.binary = found
        self.cwd = cwd

    def run(self, *args: str, timeout: float | None = None) -> Result:
        start = time.perf_counter()
        done = subprocess.run(
            [self.binary, *args, "--non-interactive"],
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(tuple(args), done.returncode, done.stdout, time.perf_counter() - start)

    def check(self, *args: str) -> str:
        result = self.run(*args)
        if result.code != 0:
            raise PulumiError(f"pulumi {' '.join(args)} failed ({result.code}):\n{result.output[-4000:]}")
        return result.output

    def stacks(self) -> set[str]:
        """Stack names of this project (the short names, as `--stack` takes them)."""
        listed = json.loads(self.check("stack", "ls", "--json") or "[]")
        return {str(s["name"]).rsplit("/", 1)[-1] for s in listed}

    def deployed(self, stack: str) -> Deployed:
        state = json.loads(self.check("stack", "export", "--stack", stack))
        resources = (state.get("deployment") or {}).get("resources") or []
        agents = {r["urn"].rsplit("::", 1)[1]: r["urn"] for r in resources if r.get("type") == ELIZA_AGENT}
        root: dict[str, Any] = next((r for r in resources if r.get("type") == ROOT_STACK), {})
        return Deployed(agents, dict(root.get("outputs") or {}), held(resources))

    def config(self, stack: str) -> dict[str, dict[str, Any]]:
        """Full key -> {"value", "secret"} (secret values are not shown)."""
        data: dict[str, dict[str, Any]] = json.loads(self.check("config", "--json", "--stack", stack))
        return data
