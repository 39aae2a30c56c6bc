"""The live data loop at fleet scale: the collector (a real process) over 1,000 agents on the local control plane,
a real Prometheus holding their series, the log shipper (OpenTelemetry Collector) reading 1,000 containers' log
files, and the control plane's Server-Sent Events.

    .venv/bin/python benchmarks/collector.py [--agents 1000] [--log-rate 6000] [--log-seconds 60]

Prints, measured in this one run: the collector's CPU (share of one core) and resident memory; rows/s into
agent_metrics (one interval's COPY of 5 x agents samples) and into agent_logs (sustained, with a collector
restart half-way); the delay from a Deployment change to its agent_health row and to an SSE client (median and
p95 over --status-samples changes); the bytes a row costs in Postgres and so what an agent and the fleet write
per day. Targets: metrics of the fleet written in < 2 s per interval; status on the stream within 5 s (p95);
>= 5,000 log lines/s sustained with none lost. Exit 1 if one is missed.

The lines are offered faster than the target (6,000/s by default): the figure is what was stored divided by the
time from the first line written to the last one stored, so a pipeline that only just keeps up with the target
cannot show it, and one that falls behind shows by how much.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launchpad.db import local_server  # noqa: E402
from launchpad.db.migrations.runner import migrate  # noqa: E402
from launchpad.localcluster import cluster as local  # noqa: E402
from launchpad.localcluster.binaries import find_bin_dir  # noqa: E402
from launchpad.logs.cri import CriWriter, pod_log_path  # noqa: E402
from launchpad.sealed import new_key, parse_keyring  # noqa: E402
from services.api.app import create_app  # noqa: E402
from services.api.ratelimit import RateLimits  # noqa: E402
from tests.api import supabase_auth as auth  # noqa: E402
from tests.api.conftest import make_config  # noqa: E402
from tests.api.sse_client import SseClient  # noqa: E402
from tests.collector.harness import owner_of, register_fleet  # noqa: E402
from tests.collector.promlab import agent, free_port, prometheus  # noqa: E402
from tests.collector.shipper import otelcol_or_skip, shipper  # noqa: E402
from tests.db.telemetry_seed import role_url  # noqa: E402

MIGRATIONS = ROOT / "supabase" / "migrations"
TOKEN = "benchmark-token"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
              "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}  # fmt: skip
SECRET_KEYS = ("OPENAI_API_KEY", "DISCORD_API_TOKEN", "ELIZA_SERVER_AUTH_TOKEN")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def secret_value(i: int, key: str) -> str:
    return f"{key.lower()}-{i:04d}-s3cr3t-value"


# --- the fleet on the control plane ------------------------------------------------------------------------


def fleet_objects(n: int) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for i in range(n):
        name, tenant, ns = agent(i)
        labels = {"app.kubernetes.io/instance": name, "launchpad.dev/agent": name, "launchpad.dev/tenant": tenant}
        env = [{"name": k, "valueFrom": {"secretKeyRef": {"name": f"{name}-env", "key": k}}} for k in SECRET_KEYS]
        objects += [
            {"apiVersion": "v1", "kind": "Secret",
             "metadata": {"name": f"{name}-env", "namespace": ns, "labels": labels},
             "stringData": {k: secret_value(i, k) for k in SECRET_KEYS}},
            {"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": name, "namespace": ns, "labels": labels},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app.kubernetes.io/instance": name}},
                      "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                          {"name": "eliza", "image": "eliza:bench", "env": env, "securityContext": RESTRICTED}]}}}},
        ]  # fmt: skip
    return objects


def apply_fleet(cluster: local.LocalCluster, n: int) -> None:
    namespaces = sorted({agent(i)[2] for i in range(n)})
    for ns in namespaces:
        cluster.kubectl("create", "namespace", ns)
    objects = fleet_objects(n)
    for start in range(0, len(objects), 200):
        batch = {"apiVersion": "v1", "kind": "List", "items": objects[start : start + 200]}
        cluster.kubectl("apply", "--server-side", "--field-manager=bench", "-f", "-", stdin=json.dumps(batch))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        out = cluster.kubectl("get", "pods", "-A", "-l", "launchpad.dev/agent", "-o", "name").stdout
        count = len(out.split())
        if count >= n:
            return
        log(f"  {count}/{n} pods created by the controllers")
        time.sleep(5)
    raise RuntimeError("the controllers did not create every pod in 10 minutes")


# --- the collector process ----------------------------------------------------------------------------------


class CollectorProcess:
    def __init__(self, work: Path, database_url: str, kubeconfig: Path, prometheus_url: str, port: int,
                 interval: float) -> None:  # fmt: skip
        (work / "token").write_text(TOKEN)
        self.args = [sys.executable, "-m", "launchpad", "collector", "run", "--database-url", database_url,
                     "--kubeconfig", str(kubeconfig), "--prometheus-url", prometheus_url,
                     "--metrics-interval", str(interval), "--listen", f"127.0.0.1:{port}",
                     "--token-file", str(work / "token"), "--scope", "bench"]  # fmt: skip
        self.base, self.log = f"http://127.0.0.1:{port}", work / "collector.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.cpu_seconds_before = 0.0  # CPU of earlier processes (a restart)
        self.peak_rss = 0
        self.earlier_stats: list[dict[str, Any]] = []  # /stats of the leaders before a restart

    def start(self) -> float:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        started = time.monotonic()
        while time.monotonic() - started < 120:
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2):
                    return time.monotonic() - started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the collector did not lead:\n{self.log.read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            rss = int(fields[21]) * PAGE
            self.peak_rss = max(self.peak_rss, rss)
            return self.cpu_seconds_before + (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError):
            return self.cpu_seconds_before

    def restart(self) -> float:
        assert self.process is not None
        self.cpu_seconds_before = self.cpu_seconds()
        self.earlier_stats.append(self.stats())
        stopping = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        log(f"  the collector stopped in {time.monotonic() - stopping:.1f} s")
        return self.start()

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/stats", timeout=10) as response:
            body: dict[str, Any] = json.load(response)
            return body

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


class ProcessCpu:
    """CPU seconds a process (and its finished children) used since this object was made."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = self._now()

    def _now(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return sum(int(f) for f in fields[11:15]) / CLK_TCK
        except (OSError, IndexError):
            return 0.0

    def seconds(self) -> float:
        return self._now() - self.start


class CpuSampler(threading.Thread):
    def __init__(self, collector: CollectorProcess) -> None:
        super().__init__(daemon=True)
        self.collector, self.stopping = collector, threading.Event()
        self.samples: list[tuple[float, float]] = []

    def run(self) -> None:
        while not self.stopping.is_set():
            self.samples.append((time.monotonic(), self.collector.cpu_seconds()))
            time.sleep(1)

    def used(self, start: float, end: float) -> float:
        window = [s for s in self.samples if start <= s[0] <= end]
        return window[-1][1] - window[0][1] if len(window) >= 2 else float("nan")

    def share(self, start: float, end: float) -> float:
        window = [s for s in self.samples if start <= s[0] <= end]
        if len(window) < 2:
            return float("nan")
        return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])


# --- the measurements ---------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))])


def status_delays(cluster: local.LocalCluster, url: str, api_base: str, key: auth.SigningKey, n: int,
                  samples: int) -> tuple[list[float], list[float]]:  # fmt: skip
    to_row, to_stream = [], []
    with psycopg.connect(url, autocommit=True) as conn:
        for k in range(samples):
            i = (k * 97 + 13) % n
            name, _, ns = agent(i)
            headers = {"Authorization": f"Bearer {auth.mint(auth.claims(owner_of(i)), key)}"}
            stream = SseClient(f"{api_base}/api/agents/{name}/events", headers)
            time.sleep(0.3)
            before = conn.execute("select count(*) from public.agent_events e join public.agents a on a.id = e.agent_id"
                                  " where a.name = %s", (name,)).fetchone()  # fmt: skip
            replicas = 2 + k
            started = time.monotonic()
            cluster.kubectl("scale", "deployment", name, "-n", ns, f"--replicas={replicas}")
            row_at = None
            while time.monotonic() - started < 30:
                now = conn.execute("select count(*) from public.agent_events e join public.agents a"
                                   " on a.id = e.agent_id where a.name = %s", (name,)).fetchone()  # fmt: skip
                if now != before:
                    row_at = time.monotonic() - started
                    break
                time.sleep(0.02)
            events = stream.take(1, timeout=30)
            stream_at = time.monotonic() - started if events else float("inf")
            stream.close()
            to_row.append(row_at if row_at is not None else float("inf"))
            to_stream.append(stream_at)
            log(f"  {name} -> {replicas} replicas: row {to_row[-1]:.2f} s, stream {stream_at:.2f} s")
    return to_row, to_stream


def write_logs(pods: Path, n: int, rate: int, seconds: float, on_half: Any) -> int:
    """rate lines/s across n containers for `seconds`, elizaOS JSON lines, one in ten printing a secret;
    `on_half()` runs half-way (the collector restart). Returns how many lines were written."""
    writers = [CriWriter(pod_log_path(pods, agent(i)[2], f"{agent(i)[0]}-7d9f5c6b8-abcde", f"0000-{i:04d}", "eliza"))
               for i in range(n)]  # fmt: skip
    written, tick, started, halved = 0, 0.1, time.monotonic(), False
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed)
        while written < due:
            i = written % n
            secret = f" key={secret_value(i, 'OPENAI_API_KEY')}" if written % 10 == 0 else ""
            line = {"level": 3, "levelName": "info", "msg": f"message {written}{secret}", "pid": written,
                    "namespace": [f"Agent {i}"], "args": [{"src": "bench", "agentId": f"agent-{i}"}]}  # fmt: skip
            writers[i].write("stdout", json.dumps(line, separators=(",", ":")))
            written += 1
        if not halved and elapsed >= seconds / 2:
            halved = True
            threading.Thread(target=on_half, daemon=True).start()
        time.sleep(tick)
    for writer in writers:
        writer.close()
    return written


def table_bytes(conn: psycopg.Connection[tuple[Any, ...]], parent: str) -> tuple[int, int]:
    row = conn.execute(
        "select coalesce(sum(pg_total_relation_size(relid)), 0), (select count(*) from " + parent + ")"
        " from pg_partition_tree(%s::regclass) where isleaf", (parent,)
    ).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0]), int(row[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--log-rate", type=int, default=6000, help="lines per second, all agents together")
    parser.add_argument("--log-seconds", type=float, default=60)
    parser.add_argument("--status-samples", type=int, default=10)
    parser.add_argument("--metrics-interval", type=float, default=10, help="seconds (production default 60)")
    parser.add_argument("--no-restart", action="store_true", help="keep the collector running during the logs")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs of every process)")
    args = parser.parse_args()
    n = args.agents
    bin_dir = find_bin_dir(build=False)
    if bin_dir is None:
        print("the local control plane is not built: bash tools/kube/ensure.sh", file=sys.stderr)
        return 2
    otelcol_or_skip()
    work = Path(tempfile.mkdtemp(prefix="launchpad-bench-collector-"))
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        if not args.keep:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        log(f"work directory: {work}")
        log("database: migrate, register the fleet")
        pg = local_server.start(work / "pg", local_server.free_port(), durable=False)
        stack.callback(pg.stop)
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute("create database bench")
        url = pg.url.rsplit("/", 1)[0] + "/bench"
        migrate(url, MIGRATIONS)
        register_fleet(url, n)
        log("control plane: start, apply 1,000 Deployments and Secrets")
        cluster = local.start(work / "kube", bin_dir, durable=False)
        stack.callback(local.stop, work / "kube")
        started = time.monotonic()
        apply_fleet(cluster, n)
        log(f"  fleet applied and pods created in {time.monotonic() - started:.0f} s")
        log("prometheus: backfill the fleet's series")
        (work / "prom").mkdir()
        # rules evaluated every 15 s, as a production Prometheus does (the tests' 1 s would compete for the CPU)
        production = {"global": {"evaluation_interval": "15s"}}
        prom = stack.enter_context(prometheus(work / "prom", n, extra_config=production))
        collector = CollectorProcess(work, role_url(url, "launchpad_collector"), cluster.kubeconfig, prom,
                                     free_port(), args.metrics_interval)  # fmt: skip
        stack.callback(collector.stop)
        results["collector_start_s"] = collector.start()
        sampler = CpuSampler(collector)
        sampler.start()
        log("api: the control plane with its live hub")
        jwks = auth.JwksServer([auth.es256_key()])
        stack.callback(jwks.stop)
        config = make_config(pg.url_for("launchpad_api", "bench"), jwks.url, parse_keyring(new_key()), work)
        api_port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(config, rates=RateLimits(10**6, 10**6, 10**6)),
                                               host="127.0.0.1", port=api_port, log_level="warning"))  # fmt: skip
        threading.Thread(target=server.run, daemon=True).start()
        stack.callback(setattr, server, "should_exit", True)
        while not server.started:
            time.sleep(0.05)

        log("settling: the first status writes and metrics rounds")
        time.sleep(max(3 * args.metrics_interval, 20))
        idle_end = time.monotonic()
        results["cpu_idle"] = sampler.share(idle_end - 2 * args.metrics_interval, idle_end)
        rounds = collector.stats()["metrics"]
        results["metrics_rounds"] = rounds

        with psycopg.connect(url, autocommit=True) as conn:
            metrics_before = table_bytes(conn, "public.agent_metrics")
        settled_at = time.monotonic()
        log("status: Deployment changes to the row and to an SSE client")
        to_row, to_stream = status_delays(cluster, url, f"http://127.0.0.1:{api_port}", jwks.keys[0], n,
                                          args.status_samples)  # fmt: skip
        results["status_row"], results["status_stream"] = to_row, to_stream

        log(f"logs: {args.log_rate} lines/s for {args.log_seconds:.0f} s through the shipper, a collector restart "
            "half-way")
        pods = work / "pods"
        pods.mkdir()
        ship = stack.enter_context(shipper(work / "shipper", pods, collector.base, TOKEN, poll_interval="1s"))
        shipper_cpu = ProcessCpu(ship.pid)
        load_before = os.getloadavg()[0]
        with psycopg.connect(url, autocommit=True) as conn:
            logs_before = table_bytes(conn, "public.agent_logs")
        base_rows = logs_before[1]
        restart: dict[str, float] = {}
        log_start = time.monotonic()
        written = write_logs(pods, n, args.log_rate, args.log_seconds,
                             (lambda: None) if args.no_restart else
                             (lambda: restart.setdefault("seconds", collector.restart())))  # fmt: skip
        write_end = time.monotonic()
        stored, progress_at = 0, time.monotonic()
        with psycopg.connect(url, autocommit=True) as conn:
            # until every line is in, or nothing has moved for a minute (then what is missing is lost)
            while time.monotonic() - progress_at < 60:
                now = int(str(conn.execute("select count(*) from public.agent_logs").fetchone()[0])) - base_rows  # type: ignore[index]
                if now != stored:
                    if now // 20000 != stored // 20000 or now >= written:
                        log(f"  {now}/{written} stored")
                    stored, progress_at = now, time.monotonic()
                if stored >= written:
                    break
                time.sleep(0.5)
            drained = progress_at  # the last line stored (not the minute waited for more)
            leaked = conn.execute("select count(*) from public.agent_logs where message like '%s3cr3t-value%'"
                                  " or context::text like '%s3cr3t-value%'").fetchone()  # fmt: skip
            distinct = conn.execute("select count(distinct message) from public.agent_logs"
                                    " where message like 'message %'").fetchone()  # fmt: skip
        results["logs"] = {"written": written, "stored": stored, "distinct": int(str(distinct[0])) if distinct else 0,
                           "leaked": int(str(leaked[0])) if leaked else -1, "seconds": drained - log_start,
                           "drain_after_writer_s": drained - write_end,
                           "restart_s": restart.get("seconds")}  # fmt: skip
        results["cpu_logs"] = sampler.share(log_start, drained)
        results["cpu_seconds_logs"] = sampler.used(log_start, drained)
        results["shipper_cpu_seconds"] = shipper_cpu.seconds()
        results["load"] = (load_before, os.getloadavg()[0])
        sampler.stopping.set()
        with psycopg.connect(url, autocommit=True) as conn:
            # what the rows written during the run added (the empty partitions' fixed pages not counted)
            metrics_after = table_bytes(conn, "public.agent_metrics")
            logs_after = table_bytes(conn, "public.agent_logs")
        results["bytes"] = {"metrics": (metrics_after[0] - metrics_before[0], metrics_after[1] - metrics_before[1]),
                            "logs": (logs_after[0] - logs_before[0], logs_after[1] - logs_before[1])}  # fmt: skip
        results["metrics_rounds_during"] = time.monotonic() - settled_at
        results["peak_rss"] = collector.peak_rss
        results["stats"] = collector.stats()
        # what every leader did with the lines it received (a line dropped or unowned is a line lost)
        ingest: dict[str, int] = {}
        for stats in [*collector.earlier_stats, results["stats"]]:
            for key, value in stats["logs"].items():
                if key != "writer":
                    ingest[key] = ingest.get(key, 0) + int(value)
        results["ingest"] = ingest
        shipper_log = (work / "shipper" / "otelcol.log").read_text(errors="replace")
        results["shipper_errors"] = [line for line in shipper_log.splitlines() if "\terror\t" in line]
    return report(results, n, args)


def report(r: dict[str, Any], n: int, args: argparse.Namespace) -> int:
    ok = True
    rounds = [x for x in r["metrics_rounds"] if not x["failed"]]
    writes = [x["query_seconds"] + x["write_seconds"] for x in rounds]
    copy = [x["write_seconds"] for x in rounds]
    samples = rounds[-1]["samples"] if rounds else 0
    print(f"collector over {n} agents (start to leading: {r['collector_start_s']:.1f} s)")
    print(f"  CPU: {100 * r['cpu_idle']:.1f}% of a core between changes (watches, metrics every "
          f"{args.metrics_interval:g} s); {100 * r['cpu_logs']:.1f}% while ingesting logs")
    print(f"  memory: peak RSS {r['peak_rss'] / 2**20:.0f} MiB")
    target = max(writes) < 2.0 if writes else False
    ok &= target
    print(f"metrics: {samples} samples per interval ({len(rounds)} rounds): queries + COPY "
          f"{statistics.median(writes):.3f} s "
          f"median, {max(writes):.3f} s max (target < 2 s: {'PASS' if target else 'FAIL'}); "
          f"{samples / statistics.median(copy):.0f} rows/s into agent_metrics")
    row, stream = r["status_row"], r["status_stream"]
    target = percentile(stream, 95) < 5.0
    ok &= target
    print(f"status: Deployment change -> agent_health row {statistics.median(row):.2f} s median, "
          f"{percentile(row, 95):.2f} s p95; "
          f"-> SSE client {statistics.median(stream):.2f} s median, {percentile(stream, 95):.2f} s p95 "
          f"(target < 5 s: {'PASS' if target else 'FAIL'})")
    logs = r["logs"]
    rate = logs["stored"] / logs["seconds"]
    lost = logs["written"] - logs["distinct"]
    target = rate >= 5000 and lost == 0 and logs["stored"] == logs["written"]
    ok &= target
    per_k = 1000 * r["cpu_seconds_logs"] / max(logs["stored"], 1)
    print(f"  log ingest cost: collector {per_k:.3f} CPU-s per 1,000 lines (one core: {1000 / per_k:.0f} lines/s), "
          f"shipper {1000 * r['shipper_cpu_seconds'] / max(logs['stored'], 1):.3f} CPU-s per 1,000 lines; machine load "
          f"average {r['load'][0]:.1f} -> {r['load'][1]:.1f} on {os.cpu_count()} cores")
    writer = r["stats"]["logs"]["writer"]
    if writer["seconds"]:
        print(f"  into agent_logs: {writer['stored'] / writer['seconds']:.0f} rows/s while writing "
              f"({writer['batches']} transactions of the last leader, {writer['stored']} rows)")
    ingest = r["ingest"]
    counts = ", ".join(f"{k} {v}" for k, v in ingest.items() if v)
    print(f"  lines the leaders (the first as of just before its stop) {counts}; the shipper logged "
          f"{len(r['shipper_errors'])} error(s)" + "".join(f"\n    {e[:300]}" for e in r["shipper_errors"][:5]))
    print(f"logs: {logs['written']} lines written, {logs['stored']} stored ({logs['distinct']} distinct), {lost} lost; "
          f"{rate:.0f} lines/s sustained end to end over {logs['seconds']:.0f} s incl. a collector restart "
          f"({logs['restart_s'] or 0:.1f} s to lead again) and {logs['drain_after_writer_s']:.1f} s to drain; "
          f"{logs['leaked']} rows with a secret value (target >= 5,000/s, none lost: {'PASS' if target else 'FAIL'})")
    m_bytes, m_rows = r["bytes"]["metrics"]
    l_bytes, l_rows = r["bytes"]["logs"]
    per_metric, per_line = m_bytes / max(m_rows, 1), l_bytes / max(l_rows, 1)
    metrics_day = 5 * 86400 / 60 * per_metric
    print(f"storage: {per_metric:.0f} B per agent_metrics row, {per_line:.0f} B per agent_logs line "
          "(tables, indexes, TOAST)")
    for lines_per_minute in (1, 10, 60):
        logs_day = lines_per_minute * 1440 * per_line
        print(f"  per agent per day at a 60 s interval and {lines_per_minute} log line(s)/min: "
              f"{(metrics_day + logs_day) / 2**20:.1f} MiB (metrics {metrics_day / 2**20:.1f}, "
              f"logs {logs_day / 2**20:.1f}); "
              f"a {n}-agent fleet: {(metrics_day + logs_day) * n / 2**30:.1f} GiB/day")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
