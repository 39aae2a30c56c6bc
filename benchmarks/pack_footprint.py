"""`benchmarks/agent_footprint.py --packs`: memory of packs (several characters in one elizaOS server) by size,
per plugin set, and what it means for a 1,000-agent idle fleet. See agent_footprint.py's docstring."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psycopg

from launchpad.db import local_server
from launchpad.fleet.packing import CONFIGURED, MemoryLine, pack_memory, trie_leaves
from launchpad.fleet.quantity import parse_quantity
from launchpad.fleet.resolved import Agent
from launchpad.runtime.boot import RunningAgent, watch_together
from launchpad.runtime.pack_boot import clones_pack, fake_secret, pack_boot

FLEET_AGENTS = 1000
MAX_PACK = 16
TARGET_BYTES = 150e9  # issue 23: a 1,000-agent idle fleet within 150 GB of reserved memory, packed
MB, GB, GIB = 1e6, 1e9, 2**30


@dataclass
class Booted:
    set_hash: str
    agent: Agent
    size: int
    running: RunningAgent
    boot: float


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares line through (characters, bytes): (value at one character, increment per further one)."""
    xs = [n - 1 for n, _ in points]
    ys = [y for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0
    slope = max(slope, 0.0)  # more characters never take less memory; a negative slope is noise
    return my - slope * mx, slope


def _database(server: local_server.LocalServer) -> str:
    name = f"pack_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return f"{server.url.rsplit('/', 1)[0]}/{name}"


def _boot_set(
    stack: ExitStack, set_hash: str, agent: Agent, sizes: list[int], server: local_server.LocalServer
) -> list[Booted]:
    booted = []
    for size in sizes:
        pack = clones_pack(agent, size)
        secrets = {a.name: {env: fake_secret(env, a.name) for env in a.spec.secrets} for a in pack.agents}
        own = {"POSTGRES_URL": _database(server)} if pack.database is not None else {}
        running = stack.enter_context(pack_boot(pack, secrets, own))
        booted.append(Booted(set_hash, agent, size, running, running.wait_ready(timeout=600)))
    return booted


def _fleet_reserved(line: MemoryLine) -> tuple[int, int]:
    """(packs, bytes requested) for FLEET_AGENTS agents of one group through the real assignment."""
    leaves = trie_leaves([f"agent-{i:04d}" for i in range(FLEET_AGENTS)], MAX_PACK)
    return len(leaves), sum(pack_memory(len(members), line)[0] for members in leaves.values())


def run_packs(sets: dict[str, Agent], sizes: list[int], watch: float) -> int:
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; pack sizes {sizes}")
    pg_dir = Path(tempfile.mkdtemp(prefix="footprint-pg-"))
    server = local_server.start(pg_dir / "data", local_server.free_port(), durable=False)
    rows: list[tuple[Booted, int, int]] = []
    try:
        for set_hash, agent in sorted(sets.items()):
            with ExitStack() as stack:
                booted = _boot_set(stack, set_hash, agent, sizes, server)
                watch_together([b.running for b in booted], watch)
                for b in booted:
                    if b.running.up_since_ready() < watch:
                        print(f"{set_hash} pack of {b.size} exited:\n{b.running.tail()}")
                        return 1
                    rows.append((b, b.running.steady(20), b.running.peak()))
    finally:
        server.stop()
        shutil.rmtree(pg_dir, ignore_errors=True)
    print(f"{'set':16}  {'agent':20} {'db':8} {'chars':>5} {'boot s':>6} {'steady MB':>9} {'peak MB':>8}")
    for b, steady, peak in rows:
        db = "postgres" if "POSTGRES_URL" in b.agent.spec.secrets else "pglite"
        print(f"{b.set_hash:16}  {b.agent.name:20} {db:8} {b.size:5} {b.boot:6.1f} {steady / MB:9.0f} {peak / MB:8.0f}")
    lines: dict[str, MemoryLine] = {}
    print("line per set (base = one character, + per further character):")
    for set_hash in sorted(sets):
        own = [(b.size, steady, peak) for b, steady, peak in rows if b.set_hash == set_hash]
        steady_line = fit([(n, s) for n, s, _ in own])
        peak_line = fit([(n, p) for n, _, p in own])
        lines[set_hash] = MemoryLine(*steady_line, *peak_line)
        print(f"  {set_hash}  steady {steady_line[0] / MB:5.0f} MB + {steady_line[1] / MB:5.1f} MB/char   "
              f"peak {peak_line[0] / MB:5.0f} MB + {peak_line[1] / MB:5.1f} MB/char")  # fmt: skip
    heaviest = MemoryLine(*(max(getattr(line, f) for line in lines.values()) for f in MemoryLine.__dataclass_fields__))
    for field in MemoryLine.__dataclass_fields__:
        measured, configured = getattr(heaviest, field), getattr(CONFIGURED, field)
        print(f"  {field:17} measured (heaviest set) {measured / MB:6.1f} MB  configured {configured / MB:6.1f} MB")
    # What the pack's request and limit are made of must hold every pack measured: the configured line at or above
    # each one's steady and peak RSS.
    missed = [f"{b.set_hash} {b.size} chars: steady {steady / MB:.0f} MB > {CONFIGURED.steady(b.size) / MB:.0f}"
              if steady > CONFIGURED.steady(b.size) else
              f"{b.set_hash} {b.size} chars: peak {peak / MB:.0f} MB > {CONFIGURED.peak(b.size) / MB:.0f}"
              for b, steady, peak in rows
              if steady > CONFIGURED.steady(b.size) or peak > CONFIGURED.peak(b.size)]  # fmt: skip
    print("configured line (launchpad/fleet/catalog.py PACK_*) holds every pack measured" if not missed else
          "MISSED, raise launchpad/fleet/catalog.py PACK_*: " + "; ".join(missed))  # fmt: skip
    ok = not missed
    request = parse_quantity(next(iter(sets.values())).spec.resources.requests.memory or "0")
    unpacked = FLEET_AGENTS * float(request)
    packs, measured_packed = _fleet_reserved(heaviest)
    _, configured_packed = _fleet_reserved(CONFIGURED)
    print(f"{FLEET_AGENTS} idle agents, reserved memory (requests):")
    print(f"  unpacked, one server each at the defaults request {request / 2**20:.0f}Mi: "
          f"{unpacked / GB:6.1f} GB ({unpacked / GIB:.0f} GiB)")  # fmt: skip
    print(f"  packed, {packs} packs of at most {MAX_PACK} (hash trie), request 1.2x the measured line: "
          f"{measured_packed / GB:6.1f} GB ({measured_packed / GIB:.0f} GiB); with the configured line "
          f"{configured_packed / GB:.1f} GB")  # fmt: skip
    print(f"  ratio unpacked / packed: {unpacked / measured_packed:.1f}x; target packed <= {TARGET_BYTES / GB:.0f} GB: "
          f"{'met' if measured_packed <= TARGET_BYTES and configured_packed <= TARGET_BYTES else 'MISSED'}")
    ok &= measured_packed <= TARGET_BYTES and configured_packed <= TARGET_BYTES
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1
