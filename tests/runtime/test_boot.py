"""The proof that the agents run: for every distinct plugin set of the example fleet, the runtime installed as
the generated Dockerfile installs it (same package.json, committed lockfile, bun, Node and command; cached
outside the clone by content) is started as the image starts it, `elizaos start --character` with the rendered
character and the rendered env (fake secret values), as uid 10001 on a read-only root with only the pod's
writable mounts writable (launchpad/runtime/sandbox.py). Each must answer /healthz and /health, stay up 30 s
with the chat platforms and model APIs unreachable, and keep its API closed without its token.

The agents boot one after the other (each boot competes with idle agents only), then stay up together: each
has run 30 s since its /health was first 200 before its test checks it, and the suite waits 30 s once, not
once per set. The env is the pod's except SERVER_HOST/SERVER_PORT (127.0.0.1 and a free port: tests bind to
loopback) and POSTGRES_URL where the agent has one (a real PostgreSQL from the suite). Boot time, RSS and the
ephemeral storage each holds (its emptyDirs and its log, as the kubelet counts them) go to
build/runtime/boot-<set>.json; what it holds must fit what its pod asks for."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from launchpad.db import local_server
from launchpad.fleet import load_fleet
from launchpad.fleet.catalog import CONTAINER_LOG_BYTES
from launchpad.fleet.quantity import parse_quantity
from launchpad.fleet.resolved import Agent
from launchpad.images.build import INSTALL_COMMAND, RUNTIME_UID, ImageBuild
from launchpad.images.lockfiles import parse_lock, resolved_version
from launchpad.runtime.boot import (
    IMAGE_PATH,
    LOG,
    TOTAL,
    AgentBoot,
    RunningAgent,
    agent_boot,
    http_status,
    one_agent_per_plugin_set,
    watch_together,
)
from launchpad.runtime.install import ensure_runtime, install_record
from launchpad.runtime.sandbox import can_sandbox
from launchpad.runtime.toolchain import ensure_toolchain
from launchpad.workloads.pod import container, pod_template
from tests.runtime.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
FLEET = load_fleet([ROOT / "agents"])
SETS = one_agent_per_plugin_set(FLEET)
TOKEN = "boot-test-token"
STAY_UP_SECONDS = 30
REPORTS = ROOT / "build" / "runtime"


def _require_sandbox() -> None:
    require_tools("npm", "node")
    why = can_sandbox()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="module")
def postgres(pg_server: local_server.LocalServer) -> Iterator[str]:
    """A database for agents that use a shared POSTGRES_URL instead of PGlite."""
    name = f"boot_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield f"{pg_server.url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@dataclass
class Booted:
    running: RunningAgent | None
    error: str = ""  # why it never became ready
    install_seconds: float = 0.0
    boot_seconds: float = 0.0


@pytest.fixture(scope="module")
def booted(request: pytest.FixtureRequest) -> Iterator[dict[str, Booted]]:
    """Every set's agent, booted one after the other and then watched together until each has run
    STAY_UP_SECONDS since it was ready (or has exited: its test says so)."""
    _require_sandbox()
    found: dict[str, Booted] = {}
    with ExitStack() as stack:
        for set_hash, agent in sorted(SETS.items()):
            secrets = {"ELIZA_SERVER_AUTH_TOKEN": TOKEN}
            if "POSTGRES_URL" in agent.spec.secrets:
                secrets["POSTGRES_URL"] = request.getfixturevalue("postgres")
            started = time.monotonic()
            boot = agent_boot(agent, secrets)  # installs the set's runtime on first use
            install_seconds = time.monotonic() - started
            running = stack.enter_context(boot)
            try:
                found[set_hash] = Booted(running, "", install_seconds, running.wait_ready())
            except RuntimeError as exc:
                found[set_hash] = Booted(None, str(exc), install_seconds)
        watch_together([b.running for b in found.values() if b.running], STAY_UP_SECONDS)
        yield found


def test_the_example_fleet_has_few_sets_and_every_platform_plugin() -> None:
    plugins = {p.rpartition("@")[0] for agent in SETS.values() for p in agent.plugins}
    assert {"@elizaos/plugin-discord", "@elizaos/plugin-telegram", "@elizaos/plugin-twitter"} <= plugins
    assert any(note.startswith("agents/characters/") for a in FLEET.agents for note in a.notes), "a v0 file"
    assert len(SETS) <= 3, "every set costs an install and a 30+ s boot in CI"


def test_the_sandbox_leaves_only_the_pods_writable_mounts_writable() -> None:
    _require_sandbox()
    build = next(iter(SETS.values())).image_build
    assert build is not None
    app, node = ensure_runtime(build), ensure_toolchain(build).node_dir
    probe = (
        "id -u; id -g; for p in /app/x /app/node_modules/x /etc/x /usr/x /var/tmp/x /x /tmp/x /app/.eliza/x /dev/shm/x; do "
        "if touch $p 2>/dev/null; then echo $p writable; else echo $p read-only; fi; done; "
        "start=$(date +%s%N); npm view @elizaos/cli@latest version >/dev/null 2>&1; echo npm $? $(( ($(date +%s%N) - start) / 1000000 ))"
    )
    env = {"PATH": IMAGE_PATH, "HOME": "/tmp", "NPM_CONFIG_OFFLINE": "true"}
    with AgentBoot(app, node, "{}", {**env, "SERVER_PORT": "0"}, ["sh", "-c", probe]) as run:
        run.process.wait(timeout=120)
        lines = run.tail().splitlines()
    assert lines[:2] == [str(RUNTIME_UID), str(RUNTIME_UID)]
    assert lines[2:11] == [
        "/app/x read-only", "/app/node_modules/x read-only", "/etc/x read-only", "/usr/x read-only",
        "/var/tmp/x read-only", "/x read-only", "/tmp/x writable", "/app/.eliza/x writable", "/dev/shm/x writable",
    ]  # fmt: skip
    # The CLI's update check before every command (`npm view @elizaos/cli@latest`) fails at once offline.
    _, code, millis = lines[11].split()
    assert code != "0" and int(millis) < 10_000, lines[11]


@pytest.mark.parametrize("set_hash", sorted(SETS), ids=[SETS[h].name for h in sorted(SETS)])
def test_each_plugin_set_boots_as_its_pod_runs_it(set_hash: str, booted: dict[str, Booted]) -> None:
    agent, result = SETS[set_hash], booted[set_hash]
    build = agent.image_build
    assert build is not None
    assert result.running is not None, result.error
    running = result.running
    record = install_record(build)
    assert record["command"] == INSTALL_COMMAND  # the Dockerfile's RUN line (test_install_command.py)
    # Platforms and model APIs unreachable: it must not have exited since it was ready.
    assert running.up_since_ready() >= STAY_UP_SECONDS, f"exited with {running.process.returncode}:\n{running.tail()}"
    assert http_status(running.url("/healthz")) == 200
    assert http_status(running.url("/health")) == 200
    _assert_the_locked_bun_runs(running, build, ensure_runtime(build))
    assert http_status(running.url("/api/agents")) == 401
    assert http_status(running.url("/api/agents"), {"X-API-KEY": "wrong"}) == 401
    assert http_status(running.url("/api/agents"), {"X-API-KEY": TOKEN}) == 200
    _assert_its_storage_fits_its_pod(agent, running)
    report = _report(agent, build, record, result.install_seconds, result.boot_seconds, running)
    print(json.dumps(report, indent=2))


def _assert_the_locked_bun_runs(running: RunningAgent, build: ImageBuild, app: Path) -> None:
    exe = Path(f"/proc/{running.process.pid}/exe")
    assert os.readlink(exe).endswith("/app/node_modules/bun/bin/bun.exe"), os.readlink(exe)
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    locked = resolved_version(parse_lock((app / "bun.lock").read_text()), "bun")
    assert version == locked == build.bun_version
    status = Path(f"/proc/{running.process.pid}/status").read_text()
    assert f"Uid:\t{RUNTIME_UID}\t{RUNTIME_UID}" in status


def _assert_its_storage_fits_its_pod(agent: Agent, running: RunningAgent) -> None:
    """What it wrote from its start through STAY_UP_SECONDS idle fits each emptyDir's sizeLimit; with its log,
    the ephemeral-storage limit its container renders with; and with a log at the kubelet's rotation size, its
    request (so the scheduler reserves what the agent holds once its log is full)."""
    held = running.peak_storage()
    volumes_held = max(sum(v for k, v in sample.items() if k != LOG) for sample in running.storage)
    resources = container(agent, "image")["resources"]
    for volume in pod_template(agent, {}, {}, "image")["spec"]["volumes"]:
        if "emptyDir" in volume:
            assert held[volume["name"]] < parse_quantity(volume["emptyDir"]["sizeLimit"]), (volume, held)
    limit = parse_quantity(resources["limits"]["ephemeral-storage"])
    assert held[TOTAL] < limit, f"{agent.name} held {held} bytes, above its limit of {limit}"
    request = parse_quantity(resources["requests"]["ephemeral-storage"])
    assert volumes_held + CONTAINER_LOG_BYTES <= request, (
        f"{agent.name} held {held} bytes: with a {CONTAINER_LOG_BYTES}-byte log, above its request of {request}"
    )


def _report(agent: Agent, build: ImageBuild, record: dict[str, Any], install: float, boot: float,
            running: RunningAgent) -> dict[str, Any]:  # fmt: skip
    report = {
        "set": build.set_hash,
        "agent": agent.name,
        "plugins": list(agent.plugins),
        "install_cold_seconds": record["seconds"],
        "install_this_run_seconds": round(install, 1),
        "boot_seconds": round(boot, 1),
        "steady_rss_mb": round(running.steady() / 1e6),
        "peak_rss_mb": round(running.peak() / 1e6),
        "ephemeral_storage_peak_bytes": running.peak_storage(),
        "load_average": os.getloadavg()[0],
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"boot-{build.set_hash}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report
