"""An agent's health from its Deployment and Pods, on the shapes the controllers and a kubelet write."""

from __future__ import annotations

from typing import Any

import pytest

from services.collector.status.health import Health, derive


def deployment(replicas: int = 1, ready: int = 0, **extra: Any) -> dict[str, Any]:
    status = {"readyReplicas": ready, "conditions": extra.get("conditions", [])}
    return {"metadata": {"name": "bot", **extra.get("meta", {})}, "spec": {"replicas": replicas}, "status": status}


def pod(
    name: str, *, node: str | None = "node-1", waiting: dict[str, str] | None = None, restarts: int = 0,
    last: dict[str, Any] | None = None, conditions: list[dict[str, str]] | None = None, ready: bool | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A pod as the kubelet reports it; Ready unless it has no node or a waiting container (or `ready` says)."""
    ready = bool(node and not waiting) if ready is None else ready
    status: dict[str, Any] = {"phase": "Running" if node else "Pending", "conditions": conditions or []}
    if node:
        status["conditions"].append({"type": "Ready", "status": "True" if ready else "False"})
    container: dict[str, Any] = {"name": "eliza", "restartCount": restarts, "state": {}}
    if waiting:
        container["state"] = {"waiting": waiting}
    if last:
        container["lastState"] = {"terminated": last}
    if node:
        status["containerStatuses"] = [container]
    return {"metadata": {"name": name}, "spec": {"nodeName": node} if node else {}, "status": status}


CRASH = {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=eliza"}


@pytest.mark.parametrize(
    ("dep", "pods", "expected"),
    [
        (None, [], Health("unknown", 0, 0, 0, "no Deployment")),
        (deployment(0), [], Health("paused", 0, 0, 0, "scaled to 0 replicas")),
        (deployment(1, 1), [pod("bot-a")], Health("running", 1, 1, 0, "1/1 replicas ready")),
        (deployment(1), [], Health("pending", 1, 0, 0, "0/1 replicas ready; waiting for pods")),
        (deployment(1), [pod("bot-a", node=None)],
         Health("pending", 1, 0, 0, "0/1 replicas ready; pod bot-a is not scheduled to a node yet")),
        (deployment(1), [pod("bot-a", node=None, conditions=[
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes available"}])],
         Health("pending", 1, 0, 0, "0/1 replicas ready; Unschedulable: 0/3 nodes available (pod bot-a)")),
        (deployment(1), [pod("bot-a", waiting=CRASH, restarts=4, last={"reason": "OOMKilled", "exitCode": 137})],
         Health("crash-looping", 1, 0, 4,
                "CrashLoopBackOff: pod bot-a restarted 4 times; last exit OOMKilled (code 137)")),
        # one replica serves, the other crash-loops: crash-looping wins over degraded
        (deployment(2, 1), [pod("bot-a"), pod("bot-b", waiting=CRASH, restarts=2)],
         Health("crash-looping", 2, 1, 2, "CrashLoopBackOff: pod bot-b restarted 2 times")),
        (deployment(2, 1), [pod("bot-a"), pod("bot-b", node=None)],
         Health("degraded", 2, 1, 0, "1/2 replicas ready; pod bot-b is not scheduled to a node yet")),
        (deployment(1), [pod("bot-a", waiting={"reason": "ImagePullBackOff", "message": "not found"})],
         Health("degraded", 1, 0, 0, "0/1 replicas ready; ImagePullBackOff: not found (pod bot-a)")),
        (deployment(1, conditions=[{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                    "message": "took too long"}]), [],
         Health("pending", 1, 0, 0, "0/1 replicas ready; ProgressDeadlineExceeded: took too long")),
        (deployment(1, 1, meta={"deletionTimestamp": "2026-12-07T00:00:00Z"}), [pod("bot-a")],
         Health("unknown", 1, 1, 0, "Deployment is being deleted")),
    ],
)
def test_health(dep: dict[str, Any] | None, pods: list[dict[str, Any]], expected: Health) -> None:
    assert derive(dep, pods) == expected


def test_ready_replicas_come_from_the_pods_not_the_deployments_lagging_status() -> None:
    """The kubelet's pod status arrives before the controllers copy it into the Deployment's: one observation
    must not mix the two (a pod back to ready was written "pending", a crash-looping one twice)."""
    back = derive(deployment(1, ready=0), [pod("bot-a", restarts=3)])
    assert back == Health("running", 1, 1, 3, "1/1 replicas ready")
    crash = derive(deployment(1, ready=1), [pod("bot-a", waiting=CRASH, restarts=3)])
    assert (crash.health, crash.replicas_ready) == ("crash-looping", 0)
    # and the Deployment's status catching up changes nothing: no second transition for the owner
    assert derive(deployment(1, ready=0), [pod("bot-a", waiting=CRASH, restarts=3)]) == crash


def test_a_failing_init_container_is_the_pods_state() -> None:
    """A pack's init container writes its agents' characters before the server starts: while it fails, the server
    container only waits in PodInitializing, and the init container's state is what the owner must see."""
    looping = pod("pack-a", ready=False, waiting={"reason": "PodInitializing"})
    looping["status"]["initContainerStatuses"] = [{"name": "characters", "restartCount": 5, "state": {"waiting": CRASH},
                                                   "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]
    assert derive(deployment(1), [looping]) == Health(
        "crash-looping", 1, 0, 0, "CrashLoopBackOff: pod pack-a restarted 5 times; last exit Error (code 1)"
    )
    missing = pod("pack-a", ready=False, waiting={"reason": "PodInitializing"})
    config_error = {"reason": "CreateContainerConfigError", "message": 'secret "bob-env" not found'}
    missing["status"]["initContainerStatuses"] = [{"name": "characters", "state": {"waiting": config_error}}]
    assert derive(deployment(1), [missing]) == Health(
        "degraded", 1, 0, 0, '0/1 replicas ready; CreateContainerConfigError: secret "bob-env" not found (pod pack-a)'
    )


def test_terminating_and_finished_pods_do_not_count() -> None:
    gone = pod("bot-old", waiting=CRASH, restarts=9)
    gone["metadata"]["deletionTimestamp"] = "2026-12-07T00:00:00Z"
    done = pod("bot-done", restarts=3)
    done["status"]["phase"] = "Succeeded"
    assert derive(deployment(1, 1), [gone, done, pod("bot-a", restarts=1)]) == Health(
        "running", 1, 1, 1, "1/1 replicas ready"
    )
