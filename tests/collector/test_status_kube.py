"""Status from the local control plane (kube-apiserver and kube-controller-manager, no kubelet): an agent's
Deployment scaled, paused and deleted, and its Pod's status written through the status subresource as a
kubelet would (running, then crash-looping), each reach agent_health and agent_events within seconds; a
restarted collector writes no duplicate event and replays what happened while it was down."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from launchpad.localcluster.cluster import LocalCluster
from services.collector.config import CollectorConfig
from tests.collector.harness import running_collector
from tests.db.telemetry_seed import ALPHA, role_url, seed

pytestmark = pytest.mark.postgres
NS = ALPHA.namespace
WITHIN = 5.0  # seconds: the "within a few seconds", and the benchmark's target for the stream


def deployment(name: str, replicas: int, namespace: str = NS) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "eliza-agent", "app.kubernetes.io/instance": name,
              "launchpad.dev/agent": name, "launchpad.dev/tenant": "t1"}  # fmt: skip
    restricted = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
                  "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}  # fmt: skip
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/instance": name}},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "eliza", "image": "eliza:test",
                                                       "securityContext": restricted}]}}},
    }  # fmt: skip


def apply(cluster: LocalCluster, obj: dict[str, Any]) -> None:
    cluster.kubectl("apply", "--server-side", "--field-manager=test", "-f", "-", stdin=json.dumps(obj))


def pods(cluster: LocalCluster, name: str) -> list[str]:
    out = cluster.kubectl("get", "pods", "-n", NS, "-l", f"launchpad.dev/agent={name}", "-o", "json").stdout
    return sorted(p["metadata"]["name"] for p in json.loads(out)["items"] if not p["metadata"].get("deletionTimestamp"))


def the_pod(cluster: LocalCluster, name: str, timeout: float = 30.0) -> str:
    """The agent's one pod, once the ReplicaSet controller made it. The row says "pending" from the Deployment
    alone, before the controller (another process, slow on a loaded machine) has created the pod."""
    deadline = time.monotonic() + timeout
    while (found := pods(cluster, name)) == [] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(found) == 1, f"expected one pod of {name}, found {found}"
    return found[0]


def kubelet_status(
    cluster: LocalCluster, pod: str, *, ready: bool, crash_restarts: int = 0, namespace: str = NS
) -> None:
    """What a kubelet writes for a container that runs (ready) or keeps exiting (CrashLoopBackOff)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    container: dict[str, Any] = {"name": "eliza", "image": "eliza:test", "imageID": "", "ready": ready,
                                 "restartCount": crash_restarts, "started": ready}  # fmt: skip
    if ready:
        container["state"] = {"running": {"startedAt": now}}
    else:
        container["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                          "message": "back-off 40s restarting failed container=eliza"}}  # fmt: skip
        container["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now, "finishedAt": now}}
    status = {"phase": "Running", "startTime": now, "containerStatuses": [container], "conditions": [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": now},
        {"type": "ContainersReady", "status": "True" if ready else "False", "lastTransitionTime": now}]}  # fmt: skip
    cluster.kubectl("patch", "pod", pod, "-n", namespace, "--subresource=status", "--type=merge",
                    "-p", json.dumps({"status": status}))  # fmt: skip


def health(url: str) -> tuple[Any, ...] | None:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select health, replicas_desired, replicas_ready, restarts, health_reason from public.agent_health"
            " where agent_id = %s", (ALPHA.id,)
        ).fetchone()  # fmt: skip


def events(url: str, kind: str = "health") -> list[tuple[Any, ...]]:
    """The agent's transitions of `kind`. `replicas` events (the same health, other counts) depend on when the
    controllers delete or count a pod, relative to the collector's batches: not asserted one by one."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select kind, previous_health, health, replicas_desired, replicas_ready from public.agent_events"
            " where agent_id = %s and kind = %s order by id", (ALPHA.id, kind)
        ).fetchall()  # fmt: skip


def no_repeated_event(url: str) -> None:
    """Every event, of either kind, changed something: none repeats the state before it."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select health, replicas_desired, replicas_ready, restarts from public.agent_events where agent_id = %s"
            " order by id", (ALPHA.id,)
        ).fetchall()  # fmt: skip
    assert all(a != b for a, b in itertools.pairwise(rows)), rows


def reach(url: str, want: str, *, ready: int | None = None, timeout: float = WITHIN) -> float:
    """Seconds until the agent's row says `want` (and `ready` replicas); fails after `timeout`."""
    started = time.monotonic()
    row = None
    while time.monotonic() - started < timeout:
        row = health(url)
        if row and row[0] == want and (ready is None or row[2] == ready):
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"agent_health did not reach {want!r} (ready={ready}) within {timeout} s: {row}")


def test_scaling_pausing_crash_loops_and_deletion_reach_the_row(cluster: LocalCluster, telemetry_url: str) -> None:
    seed(telemetry_url)
    cluster.kubectl("create", "namespace", NS)
    config = CollectorConfig(role_url(telemetry_url, "launchpad_collector"), kubeconfig=str(cluster.kubeconfig),
                             scope="kube-test")  # fmt: skip
    with running_collector(config):
        apply(cluster, deployment(ALPHA.name, 1))
        reach(telemetry_url, "pending")
        pod = the_pod(cluster, ALPHA.name)
        kubelet_status(cluster, pod, ready=True)
        reach(telemetry_url, "running", ready=1)
        kubelet_status(cluster, pod, ready=False, crash_restarts=3)
        reach(telemetry_url, "crash-looping")
        row = health(telemetry_url)
        assert row is not None and row[3] == 3 and row[4].startswith(f"CrashLoopBackOff: pod {pod} restarted 3 times")
        kubelet_status(cluster, pod, ready=True, crash_restarts=3)
        reach(telemetry_url, "running", ready=1)
        apply(cluster, deployment(ALPHA.name, 2))  # the second replica never schedules (no kubelet)
        reach(telemetry_url, "degraded")
        apply(cluster, deployment(ALPHA.name, 0))
        reach(telemetry_url, "paused")
    before = events(telemetry_url)
    # While no collector runs, the agent resumes (and its pod never starts): the restarted collector lists
    # the state it last stored and replays the watch from there.
    apply(cluster, deployment(ALPHA.name, 1))
    with running_collector(config):
        reach(telemetry_url, "pending", timeout=15)
        time.sleep(1)
        after = events(telemetry_url)
        assert after[: len(before)] == before and after[len(before):] == [("health", "paused", "pending", 1, 0)]
        cluster.kubectl("delete", "deployment", ALPHA.name, "-n", NS, "--wait=false")
        reach(telemetry_url, "unknown")
    assert [e[2] for e in events(telemetry_url)] == [
        "pending", "running", "crash-looping", "running", "degraded", "paused", "pending", "unknown"
    ]
    no_repeated_event(telemetry_url)
