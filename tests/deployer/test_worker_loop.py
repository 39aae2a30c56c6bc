"""The worker's loop and bookkeeping on both databases, with the engine replaced by a recorder of what it was
asked to run (the real engine runs in tests/e2e/test_deployer_*.py): an idle worker wakes on the queue's
NOTIFY, not on its poll; a stack locked by someone else's update gives the operations back with a delay; a
failed `up` fails every operation and marks the agents failed; a success sets each agent's status from its
desired state and removes the rows of deleted agents; the engine runs in the worker's own project, over the git
fleet's files as the last `up` recorded them, and a fleet never recorded is refused."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from launchpad.db.repository import fleet_sources
from launchpad.db.repository import operations as ops
from services.deployer.engine import EngineFailed, OnNote, StackLocked
from services.deployer.notes import StepNote
from services.deployer.worker import Worker, WorkerConfig

pytestmark = pytest.mark.postgres

OWNER = "00000000-0000-4000-8000-0000000000f1"
ROOT = Path(__file__).resolve().parents[2]
URN = "urn:pulumi:dev::agent-launchpad::agent-launchpad:index:ElizaAgent"


class ScriptedEngine:
    """Stands in for services.deployer.engine.Engine: records each run and does what the test scripted."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str, dict[str, str]]] = []
        self.outcome: Exception | None = None
        self.project: Path | None = None  # the worker's project directory, when set: what each run found in it
        self.seen: list[dict[str, bytes]] = []

    def up(self, stack: str, policy_config: Path, on_note: OnNote, env: dict[str, str] | None = None) -> None:
        self._run("up", stack, on_note, env or {})

    def preview(self, stack: str, policy_config: Path, on_note: OnNote, env: dict[str, str] | None = None) -> None:
        self._run("preview", stack, on_note, env or {})

    def _run(self, action: str, stack: str, on_note: OnNote, env: dict[str, str]) -> None:
        self.runs.append((action, stack, env))
        if self.project is not None:
            agents = self.project / "agents"
            found = {p.relative_to(agents).as_posix(): p.read_bytes() for p in agents.rglob("*") if p.is_file()}
            self.seen.append(found)
        on_note(StepNote("done", "update", f"{URN}$kubernetes:apps/v1:Deployment::alpha-deployment",
                         "kubernetes:apps/v1:Deployment", f"{URN}::alpha"))  # fmt: skip
        if self.outcome is not None:
            raise self.outcome

    def recover(self, stack: str, *, renders: bool) -> list[str]:
        return ["recovered"]

    def stop(self) -> list[int]:
        return []


# The git fleet as an `up` of the dev stack recorded it (components/providers/fleet_sources.py).
RECORDED = {
    "shared": {"defaults.yaml": b"registry: registry.local:5000/agents\n", "locks/abc.lock": b"{}\n"},
    "agents": {"bot.yaml": b"name: bot\n", "characters/bot.json": b'{"name": "Bot"}\n'},
}


def _record(url: str, part: str, files: dict[str, bytes], fleet: str = "dev") -> None:
    manifest = {path: hashlib.sha256(content).hexdigest() for path, content in files.items()}
    with psycopg.connect(url, autocommit=True) as conn:
        fleet_sources.record(conn, fleet, "dev", part, manifest, files.__getitem__)  # type: ignore[arg-type]


@pytest.fixture
def url(any_migrated_url: str) -> str:
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s)", (OWNER,))
    for part, files in RECORDED.items():
        _record(any_migrated_url, part, files)
    return any_migrated_url


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
def worker(url: str, engine: ScriptedEngine, tmp_path: Path) -> Iterator[Worker]:
    config = WorkerConfig(database_url=url, project=ROOT, home=tmp_path, poll_seconds=30, retry_delay_seconds=60)
    found = Worker(config, engine)  # type: ignore[arg-type]
    yield found
    found.close()


def _agent(url: str, name: str, **columns: Any) -> None:
    values = {"status": "pending", "paused": False, **columns}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into public.agents (user_id, name, namespace, image, source, spec, fleet, stack, status, paused)"
            " values (%s, %s, %s, '', 'api', %s, 'dev', 'dev', %s, %s)",
            (OWNER, name, f"agent-{name}", Jsonb({"name": name}), values["status"], values["paused"]),
        )


def _enqueue(url: str, name: str, kind: str = "update", **kw: Any) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        return ops.enqueue(conn, user_id=OWNER, agent_name=name, stack="dev", kind=kind, **kw).id  # type: ignore[arg-type]


def _status(url: str, name: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("select status from public.agents where name = %s", (name,)).fetchone()
    return None if row is None else str(row[0])


def _op(url: str, op_id: str) -> ops.Operation:
    with psycopg.connect(url) as conn:
        found = ops.get_operation(conn, op_id)
    assert found is not None
    return found


def test_an_idle_worker_wakes_on_the_notify(url: str, worker: Worker, engine: ScriptedEngine) -> None:
    stop = threading.Event()
    serving = threading.Thread(target=worker.serve, args=(stop,))
    serving.start()
    try:
        time.sleep(1.5)  # idle, listening; its poll is 30 s away
        _agent(url, "alpha")
        started = time.monotonic()
        op_id = _enqueue(url, "alpha")
        while _op(url, op_id).state != "succeeded" and time.monotonic() - started < 20:
            time.sleep(0.05)
        assert _op(url, op_id).state == "succeeded"
        assert time.monotonic() - started < 5  # the NOTIFY, not the 30 s poll
    finally:
        stop.set()
        serving.join()
    assert [(a, s) for a, s, _ in engine.runs] == [("up", "dev")]
    assert _status(url, "alpha") == "running"


def test_a_locked_stack_gives_the_operations_back_with_a_delay(
    url: str, worker: Worker, engine: ScriptedEngine
) -> None:
    _agent(url, "alpha")
    op_id = _enqueue(url, "alpha")
    engine.outcome = StackLocked("the stack is currently locked by 1 lock(s)")
    (report,) = worker.drain()
    assert report.state == "released"
    op = _op(url, op_id)
    assert (op.state, op.attempts) == ("queued", 1)
    assert worker.drain() == []  # it waits out the retry delay


def test_a_failed_up_fails_its_operations_and_agents(url: str, worker: Worker, engine: ScriptedEngine) -> None:
    _agent(url, "alpha")
    _agent(url, "leaving", status="deleting")
    alpha, leaving = _enqueue(url, "alpha"), _enqueue(url, "leaving", "delete")
    engine.outcome = EngineFailed("error: the server refused beta's ConfigMap: secret-ish detail", "")
    (report,) = worker.drain()
    assert report.state == "failed"
    assert (_op(url, alpha).state, _op(url, leaving).state) == ("failed", "failed")
    # The engine's text is the operator's (deploy_runs.error), never a user's.
    assert not any("beta" in line for line in _op(url, alpha).error_lines + _op(url, leaving).error_lines)
    assert (_status(url, "alpha"), _status(url, "leaving")) == ("failed", "deleting")  # deleted at the next up


def test_a_good_up_sets_status_from_the_desired_state(url: str, worker: Worker, engine: ScriptedEngine) -> None:
    _agent(url, "alpha")
    _agent(url, "sleepy", paused=True)
    _agent(url, "leaving", status="deleting")
    ids = [_enqueue(url, "alpha"), _enqueue(url, "sleepy", "pause"), _enqueue(url, "leaving", "delete")]
    (report,) = worker.drain()
    assert report.state == "succeeded" and len(engine.runs) == 1  # three changes, one up
    assert {_op(url, i).state for i in ids} == {"succeeded"}
    assert (_status(url, "alpha"), _status(url, "sleepy"), _status(url, "leaving")) == ("running", "paused", None)
    with psycopg.connect(url) as conn:
        events = {e.message for e in ops.list_events(conn, ids[0])}
    assert "updated kubernetes:apps/v1:Deployment alpha-deployment" in events


def test_a_dry_run_previews_its_operation(url: str, worker: Worker, engine: ScriptedEngine) -> None:
    _agent(url, "alpha")
    op_id = _enqueue(url, "alpha", dry_run=True, candidate={"spec": {"name": "alpha"}})
    (report,) = worker.drain()
    assert report.action == "preview" and report.state == "succeeded"
    assert engine.runs == [("preview", "dev", {"LAUNCHPAD_PREVIEW_OPERATION": op_id})]
    assert _status(url, "alpha") == "pending"  # a preview moves no status


def test_the_engine_runs_over_the_recorded_fleet_in_the_workers_own_project(
    url: str, worker: Worker, engine: ScriptedEngine, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    engine.project = project
    _agent(url, "alpha")
    _enqueue(url, "alpha")
    (report,) = worker.drain()
    assert report.state == "succeeded"
    assert engine.seen == [{**RECORDED["shared"], **RECORDED["agents"]}]  # not the checkout's agents/
    assert (project / "components").resolve() == ROOT / "components"  # the code: links to the project's
    assert not (project / "agents").is_symlink()
    # A later `up` recorded a change (one agent file edited, one removed): the next run sees exactly that.
    _record(url, "agents", {"bot.yaml": b"name: bot\nbio: changed\n"})
    _enqueue(url, "alpha", kind="restart")
    (report,) = worker.drain()
    assert report.state == "succeeded"
    assert engine.seen[-1] == {**RECORDED["shared"], "bot.yaml": b"name: bot\nbio: changed\n"}


def test_a_fleet_never_recorded_is_refused_with_a_clear_message(
    url: str, worker: Worker, engine: ScriptedEngine
) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("delete from public.fleet_source_sets where fleet = 'dev'")
    _agent(url, "alpha")
    op_id = _enqueue(url, "alpha")
    (report,) = worker.drain()
    assert report.state == "failed" and engine.runs == []  # the engine never ran
    op = _op(url, op_id)
    assert op.state == "failed"
    assert any("the git fleet of dev has no recorded files yet" in line for line in op.error_lines), op.error_lines
