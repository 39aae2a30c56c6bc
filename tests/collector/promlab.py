"""A real Prometheus and Alertmanager for the collector's tests (Debian's `prometheus` 2.42 and
`prometheus-alertmanager` 0.25, installed by scripts/tools.sh), started on free loopback ports and stopped
after. The recipe (backfilled series around "now" + the fleet's own rules evaluated by the server, the
out-of-order window they need) was measured in /work/notes/prometheus.md, option A.

`fleet_series` writes, for agent i of n (`agent-0000`.. in namespace tenant-t<i % 50>), the series the
recording rules and the collector's queries read: kube-state-metrics' labels and replica counts, cAdvisor's
CPU and memory, the blackbox probe. Values are chosen so a test can assert exact numbers: rate(cpu) = (i+1)/1000
cores, memory at (i % 100)% of a 2 GB limit, i % 3 restarts, ready 1, probe 0 where i % 97 == 0."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad.monitoring import rules

KSM = {"job": "kube-state-metrics"}
CADV = {"job": "kubelet", "metrics_path": "/metrics/cadvisor"}
LIMIT = 2_000_000_000
TYPES = {
    "kube_pod_labels": "gauge", "kube_deployment_labels": "gauge", "kube_service_labels": "gauge",
    "kube_deployment_status_replicas_ready": "gauge", "kube_pod_container_status_restarts_total": "counter",
    "kube_pod_container_resource_limits": "gauge", "container_memory_working_set_bytes": "gauge",
    "container_cpu_usage_seconds_total": "counter", "probe_success": "gauge",
}  # fmt: skip


def agent(i: int) -> tuple[str, str, str]:
    """(name, tenant, namespace) of agent i."""
    tenant = f"t{i % 50:02d}"
    return f"agent-{i:04d}", tenant, f"tenant-{tenant}"


def _samples(n: int, t: int) -> Iterator[tuple[str, dict[str, str], float]]:
    for i in range(n):
        name, tenant, ns = agent(i)
        lab = {"label_launchpad_dev_agent": name, "label_launchpad_dev_tenant": tenant, **KSM}
        pod = f"{name}-7d9f5c6b8-abcde"
        container = {"namespace": ns, "pod": pod, "container": "eliza"}
        yield "kube_pod_labels", {"namespace": ns, "pod": pod, "uid": f"uid-{i}", **lab}, 1
        yield "kube_deployment_labels", {"namespace": ns, "deployment": name, **lab}, 1
        yield "kube_service_labels", {"namespace": ns, "service": name, **lab}, 1
        yield "kube_deployment_status_replicas_ready", {"namespace": ns, "deployment": name, **KSM}, 1
        yield "kube_pod_container_status_restarts_total", {**container, "uid": f"uid-{i}", **KSM}, i % 3
        limits = {**container, "resource": "memory", "unit": "byte", "node": "node-1", "uid": f"uid-{i}", **KSM}
        yield "kube_pod_container_resource_limits", limits, LIMIT
        cadvisor = {**container, "id": f"/kubepods/{i}", **CADV}
        yield "container_memory_working_set_bytes", cadvisor, LIMIT * (i % 100) / 100
        yield "container_cpu_usage_seconds_total", {**cadvisor, "cpu": "total"}, round(t * (i + 1) / 1000.0, 3)
        probe = {"job": "launchpad-agent-health", "namespace": ns, "agent": name, "tenant": tenant,
                 "instance": f"http://{name}.{ns}.svc:3000/health"}  # fmt: skip
        yield "probe_success", probe, 0 if i % 97 == 0 else 1


def openmetrics(n: int, start: int, end: int, step: int) -> str:
    """OpenMetrics text for `promtool tsdb create-blocks-from openmetrics` (families contiguous, `# EOF`)."""
    by_metric: dict[str, list[str]] = {m: [] for m in TYPES}
    for t in range(start, end + 1, step):
        for metric, labels, value in _samples(n, t):
            text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            by_metric[metric].append(f"{metric}{{{text}}} {float(value)!r} {t}")
    lines = []
    for metric, rows in by_metric.items():
        family = metric.removesuffix("_total") if TYPES[metric] == "counter" else metric
        lines += [f"# TYPE {family} {TYPES[metric]}", *rows]
    return "\n".join([*lines, "# EOF"]) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require(binary: str, package: str) -> str:
    found = shutil.which(binary)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{binary} is not installed: scripts/tools.sh installs Debian's {package}")
    pytest.skip(f"{binary} is not installed (apt-get install --no-install-recommends {package})")


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{base} not ready:\n{log.read_text()[-2000:]}")


@contextmanager
def prometheus(work: Path, n: int, *, extra_config: dict[str, Any] | None = None) -> Iterator[str]:
    """Prometheus over `n` agents' series (now-10m .. now+30m, 60 s step) and the fleet's rules."""
    promtool, binary = require("promtool", "prometheus"), require("prometheus", "prometheus")
    now = int(time.time())
    (work / "fleet.om").write_text(openmetrics(n, now - 600, now + 1800, 60))
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(work / "fleet.om"),
                    str(work / "data")], check=True, capture_output=True)  # fmt: skip
    (work / "fleet.om").unlink()
    (work / "rules.yaml").write_text(yaml.safe_dump(rules.rule_groups("test", health_probes=True), sort_keys=False))
    config = {
        "global": {"evaluation_interval": "1s"},
        # the backfilled block reaches 30 min into the future: without this, every rule result is "out of bounds"
        "storage": {"tsdb": {"out_of_order_time_window": "1h"}},
        "rule_files": [str(work / "rules.yaml")],
        **(extra_config or {}),
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = work / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--rules.alert.resend-delay=1s",
             f"--web.external-url=http://127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def alertmanager(work: Path, webhook_url: str, token: str) -> Iterator[str]:
    binary = require("prometheus-alertmanager", "prometheus-alertmanager")
    config = {
        "route": {"receiver": "launchpad", "group_by": ["alertname", "agent", "tenant"], "group_wait": "100ms",
                  "group_interval": "1s", "repeat_interval": "1h"},
        "receivers": [{"name": "launchpad", "webhook_configs": [{
            "url": webhook_url, "send_resolved": True,
            "http_config": {"authorization": {"type": "Bearer", "credentials": token}}}]}],
    }  # fmt: skip
    (work / "alertmanager.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = work / "alertmanager.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={work / 'alertmanager.yml'}", f"--storage.path={work / 'am-data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
             f"--web.external-url=http://127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
