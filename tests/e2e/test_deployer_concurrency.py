"""The deployer under load and failure, with worker PROCESSES (`python -m launchpad deployer run`) on one stack
(dev, render mode) and the real engine:

- 20 agents created through the API while two workers serve the queue: all end running, with far fewer `up`s
  than operations (queued changes coalesce), and never two runs on the stack at once;
- a worker killed with SIGKILL in the middle of its `up`: its engine dies with it (no process of its left),
  the lease expires, another worker cancels and refreshes the stack and applies the operation (attempt 2),
  and the stack is left clean (a preview expects no changes)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from services.deployer.engine import Engine, EngineSetup
from tests.e2e.deployer_harness import (
    ApiFleet,
    ci_up,
    dumps,
    engine_processes,
    prepare_api_workspace,
    start_worker_process,
    stop,
    wait_until,
)
from tests.e2e.workspace import Workspace

STACK = "dev"
POLICY = ("--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json")
WAVE = 20
FINAL = {"succeeded", "failed", "superseded", "cancelled"}


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Workspace:
    return prepare_api_workspace(workspace)


@pytest.fixture(scope="module")
def api(ws: Workspace) -> ApiFleet:
    fleet = ApiFleet.new(ws.database_url, fleet=STACK, stack=STACK)
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", fleet.sealing_key, "--stack", STACK)
    ci_up(ws)  # the git fleet as CI deployed it: what the deploy workers run the program over
    return fleet


def _finished(api: ApiFleet, ids: list[str]) -> bool:
    return all(api.operation(i).state in FINAL for i in ids)


def test_twenty_creates_coalesce_into_few_ups_and_never_overlap(ws: Workspace, api: ApiFleet, tmp_path: Path) -> None:
    workers = [start_worker_process(ws, api.url, tmp_path / f"worker-{n}", "--poll-seconds", "2") for n in range(2)]
    ids: list[str] = []

    def post_all() -> None:  # as users would: one request after another, while the first `up` runs
        for n in range(WAVE):
            ids.append(api.create(f"crowd-{n:02d}"))
            time.sleep(0.25)

    poster = threading.Thread(target=post_all)
    started = time.monotonic()
    poster.start()
    poster.join()
    try:
        wait_until("every operation to finish", lambda: _finished(api, ids), timeout=1500, every=2)
    finally:
        codes = [stop(w) for w in workers]
    elapsed = time.monotonic() - started
    assert codes == [0, 0]  # SIGTERM: each finished what it ran, then exited
    states = {i: api.operation(i).state for i in ids}
    assert set(states.values()) == {"succeeded"}, dumps(states)
    assert {api.agent(f"crowd-{n:02d}")["status"] for n in range(WAVE)} == {"running"}  # type: ignore[index]
    runs = [r for r in api.runs() if r["stack"] == STACK]
    ups = [r for r in runs if r["action"] == "up"]
    assert {r["state"] for r in runs} == {"succeeded"}, dumps(runs)
    # Coalescing: each `up` applied every change queued while the previous one ran.
    assert len(ups) <= WAVE // 4, dumps(ups)
    # One stack, one run at a time, whichever worker ran it.
    for before, after in itertools.pairwise(runs):
        assert before["finished_at"] <= after["started_at"], dumps([before, after])
    print(f"\n{WAVE} creates -> {len(ups)} up(s) by {len({r['worker'] for r in ups})} worker(s) in {elapsed:.0f} s")


def test_a_worker_killed_mid_up_is_recovered(ws: Workspace, api: ApiFleet, tmp_path: Path) -> None:
    lease = "8"
    first = start_worker_process(ws, api.url, tmp_path / "doomed", "--lease-seconds", lease, "--poll-seconds", "1")
    op_id = api.create("survivor")
    try:
        # Mid-up: the engine has started changing resources for this operation.
        wait_until("the engine to start on the operation",
                   lambda: any(e.kind == "resource" for e in api.events(op_id)), timeout=600, every=0.2)  # fmt: skip
        assert engine_processes(str(tmp_path / "doomed")), "no engine process to kill"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        # The guard takes the engine, the language host, the program and the providers with the worker.
        wait_until("the dead worker's engine to be gone",
                   lambda: not engine_processes(str(tmp_path / "doomed")), timeout=30, every=0.2)  # fmt: skip
        assert api.operation(op_id).state == "running"  # nobody wrote an outcome
    finally:
        if first.poll() is None:
            first.kill()
    second = start_worker_process(ws, api.url, tmp_path / "rescuer", "--lease-seconds", lease, "--poll-seconds", "1")
    try:
        wait_until("the operation to finish", lambda: _finished(api, [op_id]), timeout=900, every=1)
    finally:
        assert stop(second) == 0
    op = api.operation(op_id)
    assert (op.state, op.attempts) == ("succeeded", 2), op.error_lines
    runs = [r for r in api.runs() if r["stack"] == STACK][-2:]
    assert [r["state"] for r in runs] == ["abandoned", "succeeded"], dumps(runs)
    assert runs[0]["cleaned_at"] is not None and "stopped renewing its lease" in runs[0]["error"]
    recovery = [e.message for e in api.events(op_id) if e.kind == "recovery"]
    print("\nrecovery:", recovery)
    assert recovery[0] == "released the stack's update lock, if the lost worker held one (pulumi cancel)", recovery
    assert recovery[-1] == "the stack is clear: no lock, no pending operation", recovery
    assert api.agent("survivor")["status"] == "running"  # type: ignore[index]
    # The stack is not stuck: its lock was released and its state matches the program.
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", *POLICY)


def test_pending_operations_a_lost_update_left_are_cleared(ws: Workspace, tmp_path: Path) -> None:
    """What a worker killed between a step's start and its end leaves in the state: a pending operation. The
    render-mode stack cannot be refreshed (its provider has no cluster to read), so recovery drops it, and the
    next `up` renders the object again."""
    ws.pulumi("up", "--stack", STACK, "--yes", "--skip-preview", *POLICY)  # whatever the tests before left
    # Written into the backend's checkpoint as the engine writes it (`stack import` would drop it: it removes
    # pending operations from what it imports).
    backend = Path(ws.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    checkpoint = backend / ".pulumi" / "stacks" / "agent-launchpad" / f"{STACK}.json"
    saved = json.loads(checkpoint.read_text())
    latest = saved["checkpoint"]["latest"]
    victim = next(r for r in latest["resources"] if r["type"] == "kubernetes:apps/v1:Deployment")
    latest["pending_operations"] = [{"resource": victim, "type": "creating"}]
    checkpoint.write_text(json.dumps(saved))
    assert ws.export(STACK)["deployment"]["pending_operations"][0]["type"] == "creating"
    lines = Engine(EngineSetup(ws.project, tmp_path / "home", ws.env)).recover(STACK, renders=True)
    assert lines == [
        "released the stack's update lock, if the lost worker held one (pulumi cancel)",
        "dropped 1 pending operation(s) the lost worker left; the update redoes them",
        "the stack is clear: no lock, no pending operation",
    ], lines
    assert "pending_operations" not in ws.export(STACK)["deployment"]
    ws.pulumi("up", "--stack", STACK, "--yes", "--skip-preview", *POLICY)
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", *POLICY)
