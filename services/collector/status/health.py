"""An agent's observed health from its Deployment and Pods, as the API server reports them. Pure: the
objects are the API's JSON (dicts), so the rules can be tested on the shapes a kubelet and the controllers
write.

Order of the rules: a Deployment scaled to 0 is paused whatever its pods do; a container waiting in
CrashLoopBackOff makes the agent crash-looping even while another replica serves; then the replica counts:
all ready is running, some is degraded, none is pending (waiting to be scheduled or started) unless a pod
says why it cannot start (image, config), which is degraded.

Ready replicas are counted from the pods (their Ready condition), not read from the Deployment's status. The
kubelet writes a pod's readiness; the ReplicaSet and Deployment controllers copy it into their statuses later
(tens of milliseconds idle, seconds on a loaded machine). Mixing the two sources made one observation out of a
fresh pod and a stale Deployment: a pod that came back ready was written "pending" (0 ready by the Deployment,
no reason on the pod) before "running", a crash-looping pod was written with 1 ready then again with 0, each
a transition recorded for the owner that never happened. The pods alone are one consistent picture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchpad import naming

Obj = dict[str, Any]
# Waiting reasons that will not resolve by waiting: the agent is down until someone changes something.
STUCK = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError",
         "CreateContainerError", "RunContainerError")  # fmt: skip


@dataclass(frozen=True)
class Health:
    health: str
    replicas_desired: int
    replicas_ready: int
    restarts: int
    reason: str


def _agent_container(pod: Obj, init: bool = True) -> list[Obj]:
    """The statuses that say whether the agent runs: its init containers' (a pack's writes its agents' characters
    before the server starts: while one fails, the server only ever waits in PodInitializing), then its own."""
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    own = [c for c in statuses if c.get("name") == naming.CONTAINER_NAME]
    return [*((status.get("initContainerStatuses") or []) if init else []), *(own or statuses)]


def _is_ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _live(pods: list[Obj]) -> list[Obj]:
    """Pods that count: not being deleted, not finished."""
    return [
        p
        for p in pods
        if not (p.get("metadata") or {}).get("deletionTimestamp")
        and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    ]


def _name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))


def _crash_loop(pods: list[Obj]) -> str | None:
    for pod in sorted(pods, key=_name):
        for status in _agent_container(pod):
            waiting = (status.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") == "CrashLoopBackOff":
                last = ((status.get("lastState") or {}).get("terminated")) or {}
                exit_part = ""
                if last:
                    exit_part = f"; last exit {last.get('reason', 'Error')} (code {last.get('exitCode', '?')})"
                return (
                    f"CrashLoopBackOff: pod {_name(pod)} restarted {status.get('restartCount', 0)} times"
                    f"{exit_part}"
                )
    return None


def _why_not_ready(pods: list[Obj]) -> tuple[str, bool]:
    """The first reason a pod gives for not serving, and whether it is stuck (will not resolve by waiting)."""
    for pod in sorted(pods, key=_name):
        for status in _agent_container(pod):
            waiting = (status.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason:
                message = f": {waiting['message']}" if waiting.get("message") else ""
                return f"{reason}{message} (pod {_name(pod)})", reason in STUCK
        conditions = {c.get("type"): c for c in (pod.get("status") or {}).get("conditions") or []}
        scheduled = conditions.get("PodScheduled")
        if scheduled and scheduled.get("status") == "False":
            why = f"{scheduled.get('reason', 'Unschedulable')}: {scheduled.get('message', '')}"
            return f"{why} (pod {_name(pod)})", False
        if not (pod.get("spec") or {}).get("nodeName"):
            return f"pod {_name(pod)} is not scheduled to a node yet", False
        ready = conditions.get("Ready")
        if ready and ready.get("status") != "True":
            return f"pod {_name(pod)} is not ready" + (f": {ready['message']}" if ready.get("message") else ""), False
    return "", False


def derive(deployment: Obj | None, pods: list[Obj]) -> Health:
    live = _live(pods)
    # the server's restarts (its init container's show in the crash-loop reason): kube-state-metrics' count too
    restarts = sum(int(s.get("restartCount", 0)) for p in live for s in _agent_container(p, init=False))
    if deployment is None:
        return Health("unknown", 0, 0, restarts, "no Deployment")
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = sum(1 for p in live if _is_ready(p))  # module docstring: the pods, not the Deployment's status
    if (deployment.get("metadata") or {}).get("deletionTimestamp"):
        return Health("unknown", desired, ready, restarts, "Deployment is being deleted")
    if desired == 0:
        return Health("paused", 0, ready, restarts, "scaled to 0 replicas")
    crash = _crash_loop(live)
    if crash:
        return Health("crash-looping", desired, ready, restarts, crash)
    if ready >= desired:
        return Health("running", desired, ready, restarts, f"{ready}/{desired} replicas ready")
    why, stuck = _why_not_ready(live)
    if not why:
        conditions = status.get("conditions") or []
        stalled = ("Progressing", "False")
        progressing = next((c for c in conditions if (c.get("type"), c.get("status")) == stalled), None)
        why = f"{progressing.get('reason')}: {progressing.get('message', '')}" if progressing else "waiting for pods"
    counts = f"{ready}/{desired} replicas ready"
    if ready == 0 and not stuck:
        return Health("pending", desired, ready, restarts, f"{counts}; {why}")
    return Health("degraded", desired, ready, restarts, f"{counts}; {why}")
