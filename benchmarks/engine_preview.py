"""A fleet of N agents under the real engine (tools/engine; render mode, file backend), sharded by hash
into ceil(N / --shard-size) shard stacks plus the platform stack, driven by `python -m launchpad shards`
exactly as a user runs it. Per size, in one run:

- up: `shards up` from scratch (platform, then every shard, --parallel at a time);
- no-op preview: `shards preview --all --expect-no-changes` (the engine previews every stack), and `plan`:
  `shards plan`, what `shards up` and CI run to find the stacks that changed (none here);
- one-agent change: one agent's character edited, then `shards up` (it updates that agent's shard only);
- state: bytes of all the stacks' checkpoints (compact JSON, as the file backend writes them) per agent;
- peak memory: the largest sum of RSS over every process of the run (engine, language hosts, programs,
  providers), sampled every 0.2 s;
- CPU seconds next to each wall time (the machine is shared: CPU time does not depend on its load);
- growth: up(N) / up(previous N).

Targets (issue 12, 2 cores): 1,000 agents up <= 10 min, no-op preview <= 2 min, one-agent change <= 30 s,
state <= 30 KB per agent, up(1,000) / up(100) <= 11.

    source scripts/engine-env.sh && .venv/bin/python benchmarks/engine_preview.py --agents 100 300 1000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.program_eval import write_fleet  # noqa: E402
from benchmarks.state_size import by_type, report  # noqa: E402
from tests.e2e.workspace import Workspace, copy_project, engine_env  # noqa: E402

PLATFORM = "bench"
PAGE = os.sysconf("SC_PAGE_SIZE")
TARGETS = {"up_1000": 600.0, "preview": 120.0, "change": 30.0, "state_kb": 30.0, "growth": 11.0}


class PeakMemory(threading.Thread):
    """Largest total RSS of this process's descendants while running."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._done = threading.Event()

    def _descendants_rss(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                pages = int(Path(f"/proc/{entry}/statm").read_text().split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[int(entry)] = pages * PAGE
        mine, frontier = set(), [os.getpid()]
        while frontier:
            pid = frontier.pop()
            children = [p for p, parent in parents.items() if parent == pid]
            mine.update(children)
            frontier += children
        return sum(rss.get(p, 0) for p in mine)

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, self._descendants_rss())

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


@dataclass
class Timed:
    wall: float
    cpu: float
    output: str = ""


def _timed(ws: Workspace, *args: str) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = ws.launchpad(*args).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Timed(wall, cpu, out)


@dataclass
class Result:
    agents: int
    shards: int
    resources: int = 0
    up: Timed = field(default_factory=lambda: Timed(0, 0))
    preview: Timed = field(default_factory=lambda: Timed(0, 0))
    plan: Timed = field(default_factory=lambda: Timed(0, 0))
    change: Timed = field(default_factory=lambda: Timed(0, 0))
    changed_stacks: list[str] = field(default_factory=list)
    state_bytes: int = 0
    peak_mb: float = 0
    by_type: str = ""


def _project(base: Path, count: int, shard_count: int, parallel: int, skip_checkpoints: bool) -> Workspace:
    project = copy_project(base / "project")
    shutil.rmtree(project / "agents")
    secrets = write_fleet(project / "agents", count)
    (base / "state").mkdir()
    env = engine_env(base / "state")
    if skip_checkpoints:
        env["PULUMI_SKIP_CHECKPOINTS"] = "true"
    ws = Workspace(project, env, "")
    ws.pulumi("stack", "init", PLATFORM)
    plain = {"renderDir": "build/manifests", "imageBuild": "skip", "scan": "false"}
    args = [f"--plaintext={k}={v}" for k, v in plain.items()] + [f"--secret={k}={v}" for k, v in secrets.items()]
    ws.pulumi("config", "set-all", "--stack", PLATFORM, *args)
    ws.pulumi("config", "set", "--path", "sharding.by", "hash", "--stack", PLATFORM)
    ws.pulumi("config", "set", "--path", "sharding.count", str(shard_count), "--stack", PLATFORM)
    ws.pulumi("config", "set", "--path", "sharding.parallel", str(parallel), "--stack", PLATFORM)
    ws.launchpad("shards", "create", "--stack", PLATFORM)
    return ws


def _stacks(ws: Workspace) -> list[str]:
    listed = json.loads(ws.pulumi("stack", "ls", "--json").stdout)
    return sorted(str(s["name"]).rsplit("/", 1)[-1] for s in listed)


def measure(count: int, shard_size: int, parallel: int, skip_checkpoints: bool) -> Result:
    shard_count = math.ceil(count / shard_size)
    result = Result(count, shard_count)
    with tempfile.TemporaryDirectory(prefix="launchpad-bench-") as tmp:
        ws = _project(Path(tmp), count, shard_count, parallel, skip_checkpoints)
        peak = PeakMemory()
        peak.start()
        result.up = _timed(ws, "shards", "up", "--stack", PLATFORM)
        result.peak_mb = peak.stop() / 2**20
        result.preview = _timed(ws, "shards", "preview", "--stack", PLATFORM, "--all", "--expect-no-changes")
        result.plan = _timed(ws, "shards", "plan", "--stack", PLATFORM, "--json")
        if json.loads(result.plan.output)["shards"]:
            raise SystemExit(f"{count} agents: shards changed right after an up: {result.plan.output}")
        agent = ws.project / "agents" / "agent-0001.yaml"
        agent.write_text(agent.read_text().replace("bio: Benchmark agent 1.", "bio: Benchmark agent 1 (retrained)."))
        planned = json.loads(ws.launchpad("shards", "plan", "--stack", PLATFORM, "--json").stdout)
        result.changed_stacks = planned["platform"] + planned["shards"]
        result.change = _timed(ws, "shards", "up", "--stack", PLATFORM)
        exports = [json.loads(ws.pulumi("stack", "export", "--stack", s).stdout) for s in _stacks(ws)]
        sizes, total = by_type(exports)
        result.state_bytes = total
        result.resources = sum(s.count for s in sizes.values())
        result.by_type = report(sizes, total, count)
    return result


def _load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="*", default=[100, 300, 1000])
    parser.add_argument("--shard-size", type=int, default=50, help="agents per shard stack (count = ceil(N/size))")
    parser.add_argument("--parallel", type=int, default=2, help="shard stacks run at once")
    parser.add_argument("--skip-checkpoints", action="store_true",
                        help="PULUMI_SKIP_CHECKPOINTS=true (the dev stack's trade-off, docs/architecture.md)")
    parser.add_argument("--by-type", action="store_true", help="also print the state by resource type per size")
    args = parser.parse_args()
    if shutil.which("pulumi") is None:
        raise SystemExit("no pulumi on PATH: source scripts/engine-env.sh first")
    print(f"load average at start: {_load()}; shard size {args.shard_size}, parallel {args.parallel}"
          f"{', PULUMI_SKIP_CHECKPOINTS=true' if args.skip_checkpoints else ''}", flush=True)
    header = (f"{'agents':>6} {'shards':>6} {'resources':>9} {'up s (cpu)':>14} {'no-op preview s (cpu)':>22} "
              f"{'plan s':>6} {'1-agent change s (cpu)':>23} {'KB/agent':>8} {'peak MB':>8} {'growth':>6}")
    results: list[Result] = []
    for count in args.agents:
        r = measure(count, args.shard_size, args.parallel, args.skip_checkpoints)
        growth = f"{r.up.wall / results[-1].up.wall:6.2f}" if results else f"{'-':>6}"
        results.append(r)
        if len(results) == 1:
            print(header)
        print(f"{r.agents:>6} {r.shards:>6} {r.resources:>9} {r.up.wall:>7.1f} ({r.up.cpu:>4.0f}) "
              f"{r.preview.wall:>14.1f} ({r.preview.cpu:>4.0f}) {r.plan.wall:>6.1f} "
              f"{r.change.wall:>15.1f} ({r.change.cpu:>4.0f}) {r.state_bytes / r.agents / 1024:>8.1f} "
              f"{r.peak_mb:>8.0f} {growth}", flush=True)
        print(f"{'':>6} one-agent change updated: {', '.join(r.changed_stacks)}", flush=True)
        if args.by_type:
            print(r.by_type, flush=True)
    by_size = {r.agents: r for r in results}
    print(f"load average at end: {_load()}")
    checks = []
    if 1000 in by_size:
        big = by_size[1000]
        checks += [("1,000 agents up", big.up.wall, TARGETS["up_1000"], "s"),
                   ("1,000 agents no-op preview", big.preview.wall, TARGETS["preview"], "s"),
                   ("1,000 agents one-agent change", big.change.wall, TARGETS["change"], "s")]
        if 100 in by_size:
            checks.append(("up(1,000) / up(100)", big.up.wall / by_size[100].up.wall, TARGETS["growth"], "x"))
    worst = max(results, key=lambda r: r.state_bytes / r.agents)
    checks.append((f"state per agent ({worst.agents} agents)", worst.state_bytes / worst.agents / 1024,
                   TARGETS["state_kb"], "KB"))
    for name, value, target, unit in checks:
        print(f"target {name}: {value:.2f} {unit} (<= {target:g}) {'met' if value <= target else 'MISSED'}")


if __name__ == "__main__":
    main()
