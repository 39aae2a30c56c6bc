"""elizaOS's own character validator: `validateCharacter` of the published `@elizaos/core` at the pinned
runtime version (the strict zod schema `elizaos start` applies before it boots an agent: cli 1.7.2 ->
server `loadCharacterTryPath` -> core `parseAndValidateCharacter`). Installed once with npm into the launchpad
cache and run with node over a JSON list on stdin, so any number of characters cost one process."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launchpad.fleet.catalog import RUNTIME_VERSION
from launchpad.runtime.cache import build_once, runtime_cache
from launchpad.runtime.toolchain import SYSTEM_CA_BUNDLE, ToolchainError, run_tool

# Reads [character, ...] as JSON on stdin, prints [{success, issues: [{path, message}]}] on stdout.
SCRIPT = """\
import { validateCharacter } from "@elizaos/core";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const verdicts = JSON.parse(input).map((character) => {
  const result = validateCharacter(character);
  const issues = (result.error?.issues ?? []).map((i) => ({ path: i.path, message: i.message }));
  return { success: result.success, issues };
});
process.stdout.write(JSON.stringify(verdicts));
"""


@dataclass(frozen=True)
class Verdict:
    success: bool
    issues: tuple[tuple[str, str], ...]  # (dotted path, message)


def _complete(root: Path) -> bool:
    core = root / "node_modules" / "@elizaos" / "core" / "package.json"
    return (root / "validate.mjs").is_file() and core.is_file()


def ensure_validator(version: str = RUNTIME_VERSION) -> Path:
    def install(work: Path) -> None:
        if shutil.which("npm") is None:
            raise ToolchainError("npm is not installed: it installs @elizaos/core to run elizaOS's validator")
        spec = f"@elizaos/core@{version}"
        run_tool(["npm", "install", "--no-save", "--no-fund", "--no-audit", "--prefix", str(work), spec], cwd=work)
        (work / "validate.mjs").write_text(SCRIPT)

    root = runtime_cache() / f"validator-core{version}"
    root.parent.mkdir(parents=True, exist_ok=True)
    return build_once(root, _complete, install)


def validate_characters(characters: list[Any], version: str = RUNTIME_VERSION) -> list[Verdict]:
    """elizaOS's verdict on each character (parsed JSON values), in order."""
    root = ensure_validator(version)
    if shutil.which("node") is None:
        raise ToolchainError("node is not installed: it runs elizaOS's character validator")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "NODE_EXTRA_CA_CERTS": str(SYSTEM_CA_BUNDLE)}
    done = subprocess.run(
        [shutil.which("node") or "node", str(root / "validate.mjs")],
        cwd=root, input=json.dumps(characters), env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise ToolchainError(f"elizaOS's validator failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return [
        Verdict(v["success"], tuple((".".join(str(p) for p in i["path"]), i["message"]) for i in v["issues"]))
        for v in json.loads(done.stdout)
    ]
