"""Memory of a real agent, per plugin set of the fleet, against what the fleet reserves for it.

    .venv/bin/python benchmarks/agent_footprint.py [--watch SECONDS] [PATH ...]
    .venv/bin/python benchmarks/agent_footprint.py --packs [1,4,8,16] [--watch SECONDS] [PATH ...]

Boots one agent per distinct plugin set exactly as tests/runtime/test_boot.py does (the installed runtime of
the set, `elizaos start` as uid 10001 on a read-only root, the pod's env with fake secrets, chat platforms and
model APIs unreachable; agents with a POSTGRES_URL get an embedded PostgreSQL; one boot after the other, then
all watched together), samples the resident memory of each agent's whole process tree every second, and
prints per set: boot time, steady RSS (median of the last 20 s),
peak RSS, and the ratio of the agent's configured memory request to steady and of its limit to peak.
Targets (issue 11): request <= 1.5x steady (no over-reservation) and >= 1x (no overpacking), limit >= 1.3x
peak (no OOM kill at boot). Exit 1 if one is missed. Idle and offline: connected agents with traffic use more,
which is what the headroom between request and limit is for. Prints the load average: measure on a quiet
machine (other builds inflate boot time, not RSS much).

With --packs (issue 23): per plugin set, packs of 1, 4, 8 and 16 characters (clones of the set's agent with their
own names and secrets, launchpad/runtime/pack_boot.py) booted one after the other from their rendered pods, then
watched together: steady and peak RSS per pack, the straight line through them (base at one character, increment
per further one) per set and for the heaviest, against the line the fleet is configured with
(launchpad/fleet/catalog.py PACK_*: a pack whose steady or peak RSS is above the configured line misses). Then the
memory a 1,000-agent idle fleet reserves: unpacked (each agent its own server at the defaults file's request) and
packed (the same agents through the real assignment, packs of at most 16, each pack's request from the measured
line), and the ratio. Exit 1 if the configured line is below the measured one or the packed fleet reserves more
than 150 GB."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pack_footprint import run_packs  # noqa: E402
from launchpad.db import local_server  # noqa: E402
from launchpad.fleet import load_fleet  # noqa: E402
from launchpad.fleet.quantity import parse_quantity  # noqa: E402
from launchpad.fleet.resolved import Agent  # noqa: E402
from launchpad.runtime.boot import RunningAgent, agent_boot, one_agent_per_plugin_set, watch_together  # noqa: E402
from launchpad.runtime.sandbox import can_sandbox  # noqa: E402

REQUEST_MAX_RATIO, LIMIT_MIN_RATIO = 1.5, 1.3
MB = 1e6


def _line(set_hash: str, agent: Agent, running: RunningAgent, boot: float, watch: float) -> tuple[str, bool]:
    if running.up_since_ready() < watch:
        return f"{set_hash:16}  {agent.name:20} exited with {running.process.returncode}:\n{running.tail()}", False
    steady, peak = running.steady(20), running.peak()
    request, limit = agent.spec.resources.requests.memory, agent.spec.resources.limits.memory
    assert request is not None and limit is not None  # required after merging the defaults
    req_ratio, lim_ratio = float(parse_quantity(request)) / steady, float(parse_quantity(limit)) / peak
    ok = 1 <= req_ratio <= REQUEST_MAX_RATIO and lim_ratio >= LIMIT_MIN_RATIO
    db = "postgres" if "POSTGRES_URL" in agent.spec.secrets else "pglite"
    return (
        f"{set_hash:16}  {agent.name:20} {db:8} {boot:6.1f} {steady / MB:9.0f} {peak / MB:8.0f}  {request:>8} "
        f"{req_ratio:10.2f}  {limit:>6} {lim_ratio:8.2f}{'' if ok else '  MISSED'}"
    ), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watch", type=float, default=60, help="seconds to watch after /health is 200")
    parser.add_argument("--packs", nargs="?", const="1,4,8,16", help="pack sizes to boot per plugin set")
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "agents")])
    args = parser.parse_args()
    why = can_sandbox()
    if why is not None:
        print(f"agent_footprint: {why}", file=sys.stderr)
        return 2
    sets = one_agent_per_plugin_set(load_fleet([Path(p) for p in args.paths]))
    if args.packs:
        return run_packs(sets, [int(n) for n in args.packs.split(",")], args.watch)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    pg_dir = Path(tempfile.mkdtemp(prefix="footprint-pg-"))
    server = local_server.start(pg_dir / "data", local_server.free_port(), durable=False)
    lines: list[tuple[str, bool]] = []
    try:
        with ExitStack() as stack:
            booted: list[tuple[str, Agent, RunningAgent, float]] = []
            for set_hash, agent in sets.items():
                secrets = {"POSTGRES_URL": server.url} if "POSTGRES_URL" in agent.spec.secrets else {}
                running = stack.enter_context(agent_boot(agent, secrets))
                booted.append((set_hash, agent, running, running.wait_ready()))
            watch_together([running for _, _, running, _ in booted], args.watch)
            lines = [_line(*entry, args.watch) for entry in booted]
    finally:
        server.stop()
        shutil.rmtree(pg_dir, ignore_errors=True)
    print(f"{'set':16}  {'agent':20} {'db':8} {'boot s':>6} {'steady MB':>9} {'peak MB':>8}  {'request':>8} "
          f"{'req/steady':>10}  {'limit':>6} {'lim/peak':>8}")  # fmt: skip
    for line, _ in lines:
        print(line)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print(f"targets: {REQUEST_MAX_RATIO}x steady >= request >= steady, limit >= {LIMIT_MIN_RATIO}x peak")
    return 0 if all(ok for _, ok in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
