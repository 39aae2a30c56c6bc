"""A coalesced run's record: each operation gets its own agent's events, violations and errors, and nothing of
another agent's; outcomes per operation (latest wins, earlier ones superseded; a failed run fails all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from launchpad.db.repository.operations import Claim, Operation
from services.deployer.notes import DiagnosticNote, PolicyNote, StepNote, SummaryNote
from services.deployer.recorder import RunRecorder

STACK = "urn:pulumi:local::agent-launchpad::"
AGENT = "agent-launchpad:index:ElizaAgent"
ALICE, BOB = "00000000-0000-4000-8000-00000000a11c", "00000000-0000-4000-8000-000000000b0b"
T0 = datetime(2026, 12, 7, tzinfo=UTC)


def op(n: int, user: str, agent: str, kind: str = "update") -> Operation:
    return Operation(
        id=f"op-{n}", user_id=user, agent_name=agent, stack="local", kind=kind, state="running", dry_run=False,
        candidate=None, agent_revision=None, summary=None, violations=[], error_lines=[], run_id="run-1",
        attempts=1, idempotency_key=None, created_at=T0 + timedelta(seconds=n), started_at=T0, finished_at=None,
    )  # fmt: skip


def claim(*ops: Operation, action: str = "up") -> Claim:
    return Claim("run-1", "local", action, "w", tuple(ops), recover=False)  # type: ignore[arg-type]


def step(phase: str, agent: str, kind: str, name: str, op: str = "update") -> StepNote:
    return StepNote(phase, op, f"{STACK}{AGENT}${kind}::{name}", kind, f"{STACK}{AGENT}::{agent}")  # type: ignore[arg-type]


def feed(recorder: RunRecorder) -> None:
    for agent in ("alpha", "beta"):
        recorder.note(StepNote("pre", "same", f"{STACK}{AGENT}::{agent}", AGENT, None))
        recorder.note(step("pre", agent, "kubernetes:apps/v1:Deployment", f"{agent}-deployment"))
        recorder.note(step("done", agent, "kubernetes:apps/v1:Deployment", f"{agent}-deployment"))
    recorder.note(StepNote("pre", "update", f"{STACK}agent-launchpad:index:RegisteredAgents::registry", "x", None))
    recorder.note(
        PolicyNote(f"{STACK}{AGENT}$kubernetes:apps/v1:Deployment::beta-deployment", "replica-bounds", "launchpad",
                   "advisory", "beta scales too far")
    )  # fmt: skip
    recorder.note(DiagnosticNote(f"{STACK}{AGENT}$kubernetes:core/v1:Secret::beta-env", "warning", "beta warned"))
    recorder.note(SummaryNote({"update": 2, "same": 5}, 3))


def test_each_operation_reads_only_its_own_agents_events() -> None:
    recorder = RunRecorder(claim(op(1, ALICE, "alpha"), op(2, BOB, "beta")))
    feed(recorder)
    events = recorder.drain()
    alpha = [e.message for e in events["op-1"]]
    beta = [e.message for e in events["op-2"]]
    assert alpha == [
        "update kubernetes:apps/v1:Deployment alpha-deployment",
        "updated kubernetes:apps/v1:Deployment alpha-deployment",
    ]
    assert beta == [
        "update kubernetes:apps/v1:Deployment beta-deployment",
        "updated kubernetes:apps/v1:Deployment beta-deployment",
        "advisory policy replica-bounds: beta scales too far",
        "beta warned",
    ]
    assert recorder.drain() == {}  # drained
    assert recorder.summary == {"changes": {"update": 2, "same": 5}, "seconds": 3}


def test_latest_request_per_agent_succeeds_and_earlier_ones_are_superseded() -> None:
    recorder = RunRecorder(claim(op(1, ALICE, "alpha"), op(2, BOB, "beta"), op(3, ALICE, "alpha", "pause")))
    feed(recorder)
    outcomes = recorder.outcomes(succeeded=True)
    assert {k: o.state for k, o in outcomes.items()} == {"op-1": "superseded", "op-2": "succeeded", "op-3": "succeeded"}
    assert outcomes["op-1"].summary is not None and outcomes["op-1"].summary["supersededBy"] == "op-3"
    assert outcomes["op-3"].summary == {
        "stack": "local",
        "changes": {"update": 1},
        "resources": [{"type": "kubernetes:apps/v1:Deployment", "name": "alpha-deployment", "op": "update"}],
    }
    assert [v["policy"] for v in outcomes["op-2"].violations] == ["replica-bounds"]
    assert outcomes["op-3"].violations == []


def test_a_failed_run_fails_every_operation_with_its_own_lines_or_a_generic_one() -> None:
    recorder = RunRecorder(claim(op(1, ALICE, "alpha"), op(2, BOB, "beta")))
    recorder.note(step("pre", "beta", "kubernetes:core/v1:ConfigMap", "beta-character"))
    recorder.note(DiagnosticNote(f"{STACK}{AGENT}$kubernetes:core/v1:ConfigMap::beta-character", "error",
                                 "ConfigMap \"beta\" is invalid: data: Too long"))  # fmt: skip
    recorder.note(step("failed", "beta", "kubernetes:core/v1:ConfigMap", "beta-character"))
    recorder.note(PolicyNote(f"{STACK}{AGENT}$kubernetes:apps/v1:Deployment::beta-deployment", "no-latest",
                             "launchpad", "mandatory", "image is :latest"))  # fmt: skip
    # The program's own failure text speaks of every agent: only lines naming alpha's API file reach alice.
    recorder.note(DiagnosticNote(None, "error", "the fleet is invalid:\napi:alpha: /plugins/0: not published\n"
                                 "api:gamma-secret-project: /environment/TOKEN: a credential"))  # fmt: skip
    outcomes = recorder.outcomes(succeeded=False)
    assert outcomes["op-1"].state == outcomes["op-2"].state == "failed"
    assert outcomes["op-1"].error_lines == ["api:alpha: /plugins/0: not published"]
    assert outcomes["op-2"].error_lines == [
        'ConfigMap "beta" is invalid: data: Too long',
        "update kubernetes:core/v1:ConfigMap beta-character failed",
        "policy no-latest (mandatory): image is :latest",
    ]
    nothing = RunRecorder(claim(op(1, ALICE, "alpha")))
    nothing.note(DiagnosticNote(None, "error", "api:other: broken"))
    (line,) = nothing.outcomes(succeeded=False)["op-1"].error_lines
    assert line.startswith("the update of stack local failed before or beside this agent's change")
    assert "other" not in line


def test_an_agent_name_two_users_queued_in_one_run_gets_no_engine_events() -> None:
    recorder = RunRecorder(claim(op(1, ALICE, "alpha", "delete"), op(2, BOB, "alpha", "create")))
    feed(recorder)
    assert recorder.drain() == {}
