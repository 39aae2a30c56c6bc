"""Packs on the real runtime: for every plugin set of the example fleet, a pack of 8 agents (clones of the set's
agent, each with its own name, character name and distinct fake secret values) booted from its rendered pod
(launchpad/runtime/pack_boot.py): the init container writes each character with its own secrets into a tmpfs,
then `elizaos start --character <8 files>` runs as uid 10001 on a read-only root with the pack's env.

Each pack must: have every character up and answering as itself through the server (`GET /api/agents/:id`, the
model-free answer: its name, bio and system prompt); give no character another's secret values (each agent's
row, which elizaOS 1.7.2 stores and returns with its settings.secrets encrypted by SECRET_SALT, decrypted with
elizaOS core's own decryptStringValue and the pack's salt, holds its own values and no other agent's; the default
salt does not open it; the server's environment holds no agent's secret; the server does not see the input
volumes); report health and readiness for the whole pack (/health counts every character, and the readiness
probe's exec command, run inside the server's mount namespace as the kubelet would, passes for 8 and fails for
9); stay up 30 s with the chat platforms and model APIs unreachable; and open its API to the pack's token only.
Boot time and RSS go to build/runtime/pack-<set>.json."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
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
from launchpad.fleet.resolved import Pack
from launchpad.images.build import RUNTIME_UID
from launchpad.runtime.boot import LOG, TOTAL, RunningAgent, http_status, one_agent_per_plugin_set, watch_together
from launchpad.runtime.install import ensure_runtime
from launchpad.runtime.pack_boot import clones_pack, fake_secret, pack_boot
from launchpad.runtime.sandbox import can_sandbox
from launchpad.runtime.toolchain import ensure_toolchain
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV, SALT_ENV, derive_pack_salt, derive_pack_token, derive_token
from launchpad.workloads.pack_objects import pack_manifests
from launchpad.workloads.pack_pod import CHARACTERS_DIR, INPUTS_DIR, ready_command
from tests.runtime.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
SETS = one_agent_per_plugin_set(load_fleet([ROOT / "agents"]))
SIZE = 8
KEY = "pack-boot-test-key"
STAY_UP_SECONDS = 30
REPORTS = ROOT / "build" / "runtime"
DEFAULT_SALT = "secretsalt"  # elizaOS 1.7.2 core getSalt() without SECRET_SALT


def _require_sandbox() -> None:
    require_tools("npm", "node")
    why = can_sandbox()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="module")
def postgres(pg_server: local_server.LocalServer) -> Iterator[str]:
    name = f"pack_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield f"{pg_server.url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@dataclass
class BootedPack:
    pack: Pack
    secrets: dict[str, dict[str, str]]  # agent -> env -> its fake value
    running: RunningAgent | None
    error: str = ""
    boot_seconds: float = 0.0

    @property
    def token(self) -> str:
        return derive_pack_token(KEY, self.pack.name)

    @property
    def salt(self) -> str:
        return derive_pack_salt(KEY, self.pack.name)


@pytest.fixture(scope="module")
def booted(request: pytest.FixtureRequest) -> Iterator[dict[str, BootedPack]]:
    """A pack of SIZE per plugin set, booted one after the other, then watched together."""
    _require_sandbox()
    found: dict[str, BootedPack] = {}
    with ExitStack() as stack:
        for set_hash, agent in sorted(SETS.items()):
            pack = clones_pack(agent, SIZE)
            secrets = {a.name: {env: fake_secret(env, a.name) for env in a.spec.secrets if env != "POSTGRES_URL"}
                       for a in pack.agents}  # fmt: skip
            server = {AUTH_TOKEN_ENV: derive_pack_token(KEY, pack.name), SALT_ENV: derive_pack_salt(KEY, pack.name)}
            if pack.database is not None:
                server["POSTGRES_URL"] = request.getfixturevalue("postgres")
            running = stack.enter_context(pack_boot(pack, secrets, server))
            try:
                found[set_hash] = BootedPack(pack, secrets, running, "", running.wait_ready(timeout=420))
            except RuntimeError as exc:
                found[set_hash] = BootedPack(pack, secrets, None, str(exc))
        watch_together([b.running for b in found.values() if b.running], STAY_UP_SECONDS)
        yield found


def _get(running: RunningAgent, path: str, token: str) -> Any:
    request = urllib.request.Request(running.url(path), headers={"X-API-KEY": token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _decrypt(set_hash: str, salt: str, values: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """agent -> key -> value decrypted by elizaOS core 1.7.2's own decryptStringValue (the pack's runtime)."""
    agent = SETS[set_hash]
    assert agent.image_build is not None
    core = ensure_runtime(agent.image_build) / "node_modules/@elizaos/core/dist/node/index.node.js"
    node = ensure_toolchain(agent.image_build).node_dir / "bin" / "node"
    script = (
        'import { readFileSync } from "fs";'
        "const { decryptStringValue } = await import(process.argv[1]);"
        "const input = JSON.parse(readFileSync(0, 'utf8'));"
        "const open = (v) => decryptStringValue(v, process.argv[2]);"
        "const each = (kv) => Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, open(v)]));"
        "const out = Object.fromEntries(Object.entries(input).map(([a, kv]) => [a, each(kv)]));"
        "process.stdout.write('\\n@@' + JSON.stringify(out));"
    )
    done = subprocess.run(
        [str(node), "--input-type=module", "-e", script, str(core), salt],
        input=json.dumps(values), capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    decrypted: dict[str, dict[str, str]] = json.loads(done.stdout.rsplit("\n@@", 1)[1])
    return decrypted


def _rows(result: BootedPack) -> dict[str, dict[str, Any]]:
    """Each agent's row as `GET /api/agents/:id` returns it, by character name."""
    assert result.running is not None
    listed = _get(result.running, "/api/agents", result.token)["data"]["agents"]
    return {a["name"]: _get(result.running, f"/api/agents/{a['id']}", result.token)["data"] for a in listed}


def _lines(bio: str | list[str]) -> list[str]:
    return bio if isinstance(bio, list) else [bio]


def _booted(booted: dict[str, BootedPack], set_hash: str) -> tuple[BootedPack, RunningAgent]:
    result = booted[set_hash]
    assert result.running is not None, result.error
    return result, result.running


IDS = [SETS[h].name for h in sorted(SETS)]


@pytest.mark.parametrize("set_hash", sorted(SETS), ids=IDS)
def test_every_character_is_up_and_answers_as_itself(set_hash: str, booted: dict[str, BootedPack]) -> None:
    result, running = _booted(booted, set_hash)
    assert running.up_since_ready() >= STAY_UP_SECONDS, f"exited with {running.process.returncode}:\n{running.tail()}"
    health = json.loads(urllib.request.urlopen(running.url("/health"), timeout=5).read())
    assert (health["status"], health["agentCount"]) == ("OK", SIZE)
    rows = _rows(result)
    characters = {a.character["name"]: a.character for a in result.pack.agents}
    assert sorted(rows) == sorted(characters)
    for name, row in rows.items():
        character = characters[name]
        assert row["status"] == "active", name
        assert (row["name"], _lines(row["bio"]), row.get("system")) == (
            name, _lines(character["bio"]), character.get("system")
        ), name  # fmt: skip
    report = {
        "set": set_hash, "pack": result.pack.name, "agents": SIZE, "boot_seconds": round(result.boot_seconds, 1),
        "steady_rss_mb": round(running.steady() / 1e6), "peak_rss_mb": round(running.peak() / 1e6),
        "ephemeral_storage_peak_bytes": running.peak_storage(), "load_average": os.getloadavg()[0],
    }  # fmt: skip
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"pack-{set_hash}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))


@pytest.mark.parametrize("set_hash", sorted(SETS), ids=IDS)
def test_no_character_sees_another_ones_secrets(set_hash: str, booted: dict[str, BootedPack]) -> None:
    result, running = _booted(booted, set_hash)
    rows = _rows(result)
    by_character = {a.character["name"]: a.name for a in result.pack.agents}
    stored = {by_character[name]: row["settings"]["secrets"] for name, row in rows.items()}
    decrypted = _decrypt(set_hash, result.salt, stored)
    every_value = {value: agent for agent, own in result.secrets.items() for value in own.values()}
    for agent, own in result.secrets.items():
        assert own, "the test needs secrets"
        assert {k: decrypted[agent].get(k) for k in own} == own, agent  # its own, each under its own name
        seen = set(decrypted[agent].values()) | set(stored[agent].values())
        leaked = {every_value[v] for v in seen if v in every_value and every_value[v] != agent}
        assert leaked == set(), f"{agent} holds secret values of {leaked}"
        raw = json.dumps(rows[next(n for n, a in by_character.items() if a == agent)])
        assert not [v for v in every_value if v in raw], agent  # nothing in the clear in its API answer
    # Under the public default salt the stored values stay ciphertext: the pack's own salt is needed.
    with_default = _decrypt(set_hash, DEFAULT_SALT, stored)
    assert not set(every_value) & {v for values in with_default.values() for v in values.values()}
    # The server process: no agent's secret in its environment, no input volume in its mount namespace, and the
    # characters' tmpfs read-only.
    environ = Path(f"/proc/{running.process.pid}/environ").read_bytes().decode(errors="replace")
    assert [v for v in every_value if v in environ] == []
    assert f"{AUTH_TOKEN_ENV}={result.token}" in environ.split("\0")
    mounts = Path(f"/proc/{running.process.pid}/mountinfo").read_text().splitlines()
    assert not [m for m in mounts if f" {INPUTS_DIR}" in m or "/etc/launchpad" in m]
    eliza = [m.split() for m in mounts if f" {CHARACTERS_DIR} " in m]
    assert eliza and eliza[-1][5].split(",")[0] == "ro" and "tmpfs" in eliza[-1], eliza


@pytest.mark.parametrize("set_hash", sorted(SETS), ids=IDS)
def test_what_the_pack_writes_fits_its_pod(set_hash: str, booted: dict[str, BootedPack]) -> None:
    """Its one server's emptyDirs (one PGlite for all its agents, one HOME) and its log, as the kubelet counts
    them, from start through STAY_UP_SECONDS idle: within each emptyDir's sizeLimit and its ephemeral-storage
    limit; with a log at the kubelet's rotation size, within its request (test_boot.py holds agents to the same)."""
    result, running = _booted(booted, set_hash)
    held = running.peak_storage()
    volumes_held = max(sum(v for k, v in sample.items() if k != LOG) for sample in running.storage)
    spec = pack_manifests(result.pack, {}).deployment["spec"]["template"]["spec"]
    for volume in spec["volumes"]:
        if "emptyDir" in volume and volume["name"] in held:
            assert held[volume["name"]] < parse_quantity(volume["emptyDir"]["sizeLimit"]), (volume, held)
    assert {v["name"] for v in spec["volumes"] if "emptyDir" in v} - set(held) == {"characters"}  # a tmpfs: memory
    resources = spec["containers"][0]["resources"]
    assert held[TOTAL] < parse_quantity(resources["limits"]["ephemeral-storage"]), held
    assert volumes_held + CONTAINER_LOG_BYTES <= parse_quantity(resources["requests"]["ephemeral-storage"]), held


def _probe(running: RunningAgent, command: list[str]) -> int:
    """The readiness probe's exec command in the server's mount namespace and root, as uid 10001 with the
    container's env: what the kubelet runs."""
    environ = Path(f"/proc/{running.process.pid}/environ").read_bytes().split(b"\0")
    env = dict(e.decode().split("=", 1) for e in environ if b"=" in e)
    done = subprocess.run(
        ["nsenter", "-t", str(running.process.pid), "-m", "-r", "-w", "-S", str(RUNTIME_UID), "-G", str(RUNTIME_UID),
         *command], env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return done.returncode


@pytest.mark.parametrize("set_hash", sorted(SETS), ids=IDS)
def test_readiness_and_the_api_token_are_the_whole_packs(set_hash: str, booted: dict[str, BootedPack]) -> None:
    result, running = _booted(booted, set_hash)
    command = ready_command(result.pack)
    assert _probe(running, command) == 0
    assert _probe(running, [*command[:-1], str(SIZE + 1)]) == 1  # one character missing: not ready
    assert http_status(running.url("/api/agents")) == 401
    member_token = derive_token(KEY, result.pack.agents[0].name, "0" * 32)  # an agent's own token opens nothing here
    assert http_status(running.url("/api/agents"), {"X-API-KEY": member_token}) == 401
    assert http_status(running.url("/api/agents"), {"X-API-KEY": result.token}) == 200


def test_the_packs_are_the_example_fleets_sets() -> None:
    packs = {h: clones_pack(a, SIZE) for h, a in SETS.items()}
    for set_hash, pack in packs.items():
        assert pack.image_build is not None and pack.image_build.set_hash == set_hash
        assert len(pack.agents) == SIZE and len({a.character["name"] for a in pack.agents}) == SIZE
