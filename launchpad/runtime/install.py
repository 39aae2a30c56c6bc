"""The runtime of one plugin set installed as the image's /app holds it: package.json, the committed
bun.lock, node_modules with the locked bun, installed by the Dockerfile's own command (`INSTALL_COMMAND`) with
the image's Node and bun. Installed once per content key and cached outside the clone:

    ${LAUNCHPAD_CACHE:-~/.cache/agent-launchpad}/runtime/<key>/app      the /app of the image
    ${LAUNCHPAD_CACHE:-~/.cache/agent-launchpad}/runtime/<key>/install.json   how and how long

The boot test runs agents from it, the Trivy scan (issue 14) reads it, the footprint benchmark measures it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

from launchpad.images.build import INSTALL_COMMAND, LOCKFILE, NODE_GYP_VERSION, ImageBuild
from launchpad.runtime.cache import build_once, runtime_cache
from launchpad.runtime.toolchain import Toolchain, ToolchainError, ensure_toolchain

APP = "app"
RECORD = "install.json"


def install_argv() -> list[str]:
    """The exact command the Dockerfile RUNs in its build stage (a shell line: it chains a chmod)."""
    return ["sh", "-c", INSTALL_COMMAND]


def runtime_key(build: ImageBuild) -> str:
    """Everything that decides the installed bytes: package.json, lockfile, bun, Node, node-gyp, command."""
    material = json.dumps(
        [build.package_json(), build.lockfile, build.bun_version, build.node_version, NODE_GYP_VERSION, INSTALL_COMMAND]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def runtime_dir(build: ImageBuild) -> Path:
    return runtime_cache() / runtime_key(build)


def _complete(root: Path) -> bool:
    return (root / RECORD).is_file() and (root / APP / "node_modules" / ".bin" / "elizaos").exists()


def _install(build: ImageBuild, toolchain: Toolchain, work: Path) -> None:
    app = work / APP
    app.mkdir(mode=0o755)
    for name, content in (("package.json", build.package_json()), (LOCKFILE, build.lockfile)):
        (app / name).write_text(content, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        install_argv(), cwd=app, env=toolchain.env(), capture_output=True, text=True, timeout=1800, check=False
    )
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-4000:]
        raise ToolchainError(f"installing plugin set {build.set_hash} failed (exit {done.returncode}):\n{output}")
    os.chmod(app, 0o755)
    record = {
        "command": INSTALL_COMMAND,
        "seconds": seconds,
        "set_hash": build.set_hash,
        "node": build.node_version,
        "bun": build.bun_version,
        "toolchain": str(toolchain.root),
    }
    (work / RECORD).write_text(json.dumps(record, indent=2) + "\n")


def ensure_runtime(build: ImageBuild) -> Path:
    """The root of `build`'s installed runtime (the image's /app), installing it on first use."""
    if not build.lockfile:
        raise ToolchainError(f"plugin set {build.set_hash} has no lockfile: run `python -m launchpad lock`")
    root = runtime_dir(build)
    if not _complete(root):
        toolchain = ensure_toolchain(build)
        root.parent.mkdir(parents=True, exist_ok=True)
        build_once(root, _complete, lambda work: _install(build, toolchain, work))
    return root / APP


def install_record(build: ImageBuild) -> dict[str, object]:
    """What `ensure_runtime` recorded: the command it ran, how long it took, the versions."""
    data: dict[str, object] = json.loads((runtime_dir(build) / RECORD).read_text())
    return data
