"""The deployer under the real engine (services/deployer, tests/e2e/deployer_harness.py for the control plane's
writes), measured in one run:

- latency: time from an operation's enqueue (its transaction committed) to the agent's Deployment on the local
  Kubernetes API server (the `local` stack: etcd, kube-apiserver, kube-controller-manager), with one idle
  worker process waiting on the queue's NOTIFY; creates one after another, then replica changes (the
  Deployment's spec.replicas read back from the server). p50 / p90 / max.
- coalescing: `up`s per 100 queued changes to ONE shard stack (`bench-shard-0` of platform `bench`, sharded
  by hash into one shard, render mode): 100 replica changes to its API agents arrive at a steady rate while
  one worker serves the queue; every change ends applied; the ratio ups / changes, and each change's time
  from enqueue to applied (p50 / p99).

    source scripts/engine-env.sh && .venv/bin/python benchmarks/deployer.py --creates 5 --changes 100
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from launchpad.db import local_server  # noqa: E402
from launchpad.localcluster import cluster as local  # noqa: E402
from launchpad.localcluster.binaries import find_bin_dir  # noqa: E402
from tests.e2e.deployer_harness import (  # noqa: E402
    OWNER,
    ApiFleet,
    prepare_database,
    start_worker_process,
    stop,
    wait_until,
    web_agent_yaml,
)
from tests.e2e.workspace import Workspace, copy_project, engine_env  # noqa: E402
from tests.fleet.fleet_files import write_locks  # noqa: E402

POLICY = ("--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def _database(server: local_server.LocalServer) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = server.url_for(local_server.SUPERUSER, name)
    prepare_database(url)
    return url


def _workspace(base: Path, url: str, stack: str) -> Workspace:
    (base / "state").mkdir(parents=True)
    ws = Workspace(copy_project(base / "project"), engine_env(base / "state"), url, stack=stack)
    seed = ws.project / "agents" / "lock-seed.yaml"
    seed.write_text(web_agent_yaml("lock-seed", OWNER))
    write_locks(ws.project / "agents")
    seed.unlink()
    return ws


def _with_database(ws: Workspace, stack: str, url: str, api: ApiFleet) -> None:
    ws.pulumi("config", "set", "database", "true", "--stack", stack)
    ws.pulumi("config", "set", "databaseCreateOwners", "true", "--stack", stack)
    ws.pulumi("config", "set", "--secret", "databaseUrl", url, "--stack", stack)
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", api.sealing_key, "--stack", stack)


def latency(base: Path, server: local_server.LocalServer, creates: int) -> dict[str, list[float]]:
    bin_dir = find_bin_dir(build=False)
    if bin_dir is None:
        raise SystemExit("no local control plane: bash tools/kube/ensure.sh")
    cluster = local.start(base / "kube", bin_dir, durable=False)
    url = _database(server)
    ws = _workspace(base / "latency", url, "local")
    api = ApiFleet.new(url, fleet="local", stack="local")
    ws.pulumi("stack", "init", "local")
    ws.pulumi("config", "set", "kubernetes:kubeconfig", str(cluster.kubeconfig), "--stack", "local")
    _with_database(ws, "local", url, api)
    ws.pulumi("up", "--stack", "local", "--yes", "--skip-preview", *POLICY)  # the git fleet, before timing
    worker = start_worker_process(ws, url, base / "latency-worker", "--poll-seconds", "30")
    found: dict[str, list[float]] = {"create": [], "scale": []}

    def replicas(name: str) -> int | None:
        out = cluster.kubectl("get", "deployment", name, "-n", f"agent-{name}", "--ignore-not-found",
                              "-o", "jsonpath={.spec.replicas}").stdout.strip()  # fmt: skip
        return int(out) if out else None

    try:
        time.sleep(3)  # the worker is up and listening
        for n in range(creates):
            name = f"latency-{n}"
            started = time.monotonic()
            api.create(name, replicas=1)
            wait_until(f"{name} on the server", lambda name=name: replicas(name) == 1, timeout=900, every=0.1)
            found["create"].append(time.monotonic() - started)
            started = time.monotonic()
            api.scale(name, 2)
            wait_until(f"{name} scaled", lambda name=name: replicas(name) == 2, timeout=900, every=0.1)
            found["scale"].append(time.monotonic() - started)
            print(f"  {name}: create {found['create'][-1]:.1f} s, scale {found['scale'][-1]:.1f} s", flush=True)
    finally:
        stop(worker)
        local.stop(base / "kube")
    return found


def coalescing(
    base: Path, server: local_server.LocalServer, agents: int, changes: int, interval: float
) -> dict[str, Any]:
    url = _database(server)
    ws = _workspace(base / "coalescing", url, "bench")
    platform, shard = "bench", "bench-shard-0"
    api = ApiFleet.new(url, fleet=platform, stack=shard)
    for example in ws.project.glob("agents/*.yaml"):  # the fleet: one web agent in git, the rest from the API
        if example.name != "defaults.yaml":
            example.unlink()
    (ws.project / "agents" / "git-web.yaml").write_text(web_agent_yaml("git-web", OWNER))
    ws.pulumi("stack", "init", platform)
    for key in ("agentTokenKey", "openaiApiKey"):
        ws.pulumi("config", "set", "--secret", key, f"bench-{key}-not-a-secret", "--stack", platform)
    plain = {"renderDir": "build/manifests", "imageBuild": "skip", "scan": "false", "policyConfig": POLICY[-1]}
    ws.pulumi("config", "set-all", "--stack", platform, *[f"--plaintext={k}={v}" for k, v in plain.items()])
    ws.pulumi("config", "set", "--path", "sharding.by", "hash", "--stack", platform)
    ws.pulumi("config", "set", "--path", "sharding.count", "1", "--stack", platform)
    _with_database(ws, platform, url, api)
    ws.launchpad("shards", "create", "--stack", platform)
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", api.sealing_key, "--stack", shard)
    ws.pulumi("up", "--stack", platform, "--yes", "--skip-preview", *POLICY)  # what the shard reads from it
    worker = start_worker_process(ws, url, base / "coalescing-worker", "--poll-seconds", "5")
    creates = [api.create(f"shard-agent-{n:02d}") for n in range(agents)]  # the shard's agents, before timing
    wait_until("the shard's agents", lambda: all(api.operation(i).finished_at for i in creates), timeout=3600, every=1)
    before = {r["id"] for r in api.runs()}
    ids: list[str] = []
    enqueued: dict[str, float] = {}
    try:
        started = time.monotonic()
        for n in range(changes):
            op_id = api.scale(f"shard-agent-{n % agents:02d}", 1 + (n // agents) % 2 + 1)
            enqueued[op_id] = time.monotonic()
            ids.append(op_id)
            time.sleep(interval)
        wait_until("every change applied", lambda: all(api.operation(i).finished_at for i in ids), 3600, every=1)
        elapsed = time.monotonic() - started
    finally:
        stop(worker)
    ops = [api.operation(i) for i in ids]
    runs = {o.run_id for o in ops}
    ups = [r for r in api.runs() if r["action"] == "up" and r["id"] in runs and r["id"] not in before]
    assert all(r["stack"] == shard for r in ups)
    applied = [(o.finished_at.timestamp() - o.created_at.timestamp()) for o in ops if o.finished_at]  # type: ignore[union-attr]
    return {
        "changes": changes,
        "ups": len(ups),
        "states": sorted({o.state for o in ops}),
        "applied_p50": percentile(applied, 50),
        "applied_p99": percentile(applied, 99),
        "elapsed": elapsed,
        "run_seconds": [round((r["finished_at"] - r["started_at"]).total_seconds(), 1) for r in ups],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creates", type=int, default=5, help="agents created one after another (latency)")
    parser.add_argument("--changes", type=int, default=100, help="queued changes to one shard (coalescing)")
    parser.add_argument("--agents", type=int, default=20, help="API agents in the shard the changes go to")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between two changes arriving")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-coalescing", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup below runs: cluster, database, worker
    if shutil.which("pulumi") is None:
        raise SystemExit("no pulumi on PATH: source scripts/engine-env.sh")
    base = Path(tempfile.mkdtemp(prefix="launchpad-bench-deployer-"))
    server = local_server.start(base / "pg", local_server.free_port(), durable=False)
    try:
        if not args.skip_latency:
            print(f"latency: {args.creates} creates and replica changes, local stack, one idle worker", flush=True)
            found = latency(base, server, args.creates)
            for what, values in found.items():
                print(f"  enqueue -> on the API server ({what}): p50 {statistics.median(values):.1f} s, "
                      f"p90 {percentile(values, 90):.1f} s, max {max(values):.1f} s (n={len(values)})")  # fmt: skip
        if not args.skip_coalescing:
            print(f"coalescing: {args.changes} changes to one shard ({args.agents} API agents), one every "
                  f"{args.interval} s, one worker", flush=True)  # fmt: skip
            result = coalescing(base, server, args.agents, args.changes, args.interval)
            print(f"  ups per {result['changes']} queued changes: {result['ups']} "
                  f"(ratio {result['ups'] / result['changes']:.2f}); states {result['states']}")  # fmt: skip
            print(f"  enqueue -> applied: p50 {result['applied_p50']:.1f} s, p99 {result['applied_p99']:.1f} s; "
                  f"all applied {result['elapsed']:.0f} s after the first")  # fmt: skip
            print(f"  up durations (s): {result['run_seconds']}")
    finally:
        server.stop()
        threading.Thread(target=shutil.rmtree, args=(base,), kwargs={"ignore_errors": True}).run()


if __name__ == "__main__":
    main()
