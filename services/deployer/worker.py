"""One deploy worker: recover lost runs, claim the queued operations of one stack, apply them with ONE `up`
(or a dry run's `preview`) of this project's program with the policy pack, record per operation what happened
to its agent, move the agents' status, repeat; idle, it waits for the queue's NOTIFY.

Several workers may run (processes, pods): the queue gives each stack to one of them at a time
(launchpad/db/repository/operations.py), and each has its own engine directory (services/deployer/engine.py).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from launchpad.contracts import PREVIEW_OPERATION_ENV
from launchpad.db.connect import connect
from launchpad.db.repository import agent_lifecycle, operations
from launchpad.db.repository.operations import Claim, Event
from launchpad.errors import UserError
from launchpad.stacks.deploy_settings import deploy_settings
from services.deployer import sources
from services.deployer.engine import Engine, EngineFailed, EngineSetup, StackLocked, StackMissing
from services.deployer.keeper import RunKeeper
from services.deployer.recorder import RunRecorder

log = logging.getLogger(__name__)


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    project: Path  # the project directory: Pulumi.yaml, the program, policies/
    home: Path  # this worker's own directory (PULUMI_HOME, run files)
    stacks: tuple[str, ...] | None = None  # only these stacks; None: any
    lease_seconds: float = operations.LEASE_SECONDS
    flush_seconds: float = 1.0
    poll_seconds: float = 10.0  # idle: look for expired leases this often even without a NOTIFY
    retry_delay_seconds: float = 30.0  # a stack locked by someone else's update: try again after this
    max_attempts: int = operations.MAX_ATTEMPTS
    name: str = field(default_factory=default_name)


@dataclass(frozen=True)
class RunReport:
    run_id: str
    stack: str
    action: str
    operations: int
    state: str  # succeeded | failed | released (stack locked, operations requeued) | lost (lease lost)
    seconds: float


class Worker:
    def __init__(self, config: WorkerConfig, engine: Engine | None = None) -> None:
        self.config = config
        # The engine runs in the worker's own copy of the project, the fleet's recorded files in it
        # (services/deployer/sources.py): the project itself is the code only, and read-only.
        sources.link_project(config.project, sources.run_dir(config.home), "agents")
        self.engine = engine or Engine(EngineSetup(sources.run_dir(config.home), config.home, {}))
        self._conn = connect(config.database_url, application_name="launchpad-deployer")

    def close(self) -> None:
        self._conn.close()

    # -- the loop ---------------------------------------------------------------------------------------

    def step(self) -> RunReport | None:
        """Recover expired leases, then claim and run one stack's work. None: nothing to claim."""
        for lost in operations.recover_expired_leases(self._conn, max_attempts=self.config.max_attempts):
            log.warning(
                "recovered run %s on stack %s: worker %s stopped renewing its lease",
                lost.run_id,
                lost.stack,
                lost.worker,
            )
        claim = operations.claim_batch(
            self._conn, self.config.name, lease_seconds=self.config.lease_seconds, stacks=self.config.stacks
        )
        return None if claim is None else self.run(claim)

    def drain(self, stop: threading.Event | None = None) -> list[RunReport]:
        """Run until nothing is claimable (tests, benchmarks, `deployer run --once`)."""
        reports = []
        while not (stop and stop.is_set()):
            report = self.step()
            if report is None:
                break
            reports.append(report)
        return reports

    def serve(self, stop: threading.Event) -> None:
        """Run until `stop` is set; idle, wait for the queue's NOTIFY (or `poll_seconds`)."""
        with psycopg.connect(
            self.config.database_url, autocommit=True, application_name="launchpad-deployer-listen"
        ) as listener:
            listener.execute(f"listen {operations.CHANNEL}")
            while not stop.is_set():
                if self.step() is not None:
                    continue
                deadline = time.monotonic() + self.config.poll_seconds
                while not stop.is_set() and time.monotonic() < deadline:
                    if any(True for _ in listener.notifies(timeout=1.0, stop_after=1)):
                        break

    # -- one run ----------------------------------------------------------------------------------------

    def run(self, claim: Claim) -> RunReport:
        started = time.monotonic()
        recorder = RunRecorder(claim)
        keys = [(op.user_id, op.agent_name, op.agent_revision) for op in claim.operations]
        recorder.to_all(
            Event(
                "run",
                f"{claim.action} of stack {claim.stack} started",
                {"run": claim.run_id, "worker": self.config.name},
            )
        )
        if claim.action == "up":
            agent_lifecycle.mark_deploying(self._conn, keys)
        outcome, failure, told = "succeeded", None, None  # told: what of the failure its users may read
        with RunKeeper(
            self.config.database_url,
            recorder,
            lease_seconds=self.config.lease_seconds,
            flush_seconds=self.config.flush_seconds,
            on_lost=self._stop_engine,
        ) as keeper:
            try:
                self._apply(claim, recorder)
            except StackLocked as exc:
                outcome, failure = "released", str(exc)
            except (StackMissing, UserError) as exc:  # the deployer's own words, about the stack's set-up
                outcome, failure = "failed", str(exc)
                told = failure
            except EngineFailed as exc:
                outcome, failure = "failed", _tail(exc.stderr or exc.stdout)
        if keeper.lost.is_set():
            log.error(
                "run %s on %s: lease lost, nothing recorded; another worker retries it", claim.run_id, claim.stack
            )
            return self._report(claim, "lost", started)
        operations.record_events(self._conn, recorder.drain(), run_id=claim.run_id)
        state = self._record(claim, recorder, outcome, failure, told)
        report = self._report(claim, state, started)
        log.info(
            "run %s: %s of stack %s, %d operation(s): %s in %.1f s",
            claim.run_id,
            claim.action,
            claim.stack,
            len(claim.operations),
            state,
            report.seconds,
        )
        if failure:  # the engine's own words: for the operator's log and deploy_runs.error, never for users
            log.warning("run %s on stack %s: %s", claim.run_id, claim.stack, failure)
        return report

    def _stop_engine(self) -> None:
        self.engine.stop()

    def _apply(self, claim: Claim, recorder: RunRecorder) -> None:
        settings = deploy_settings(self.config.project, claim.stack)
        policy = settings.policy_config
        # The git agents as the fleet's last `up` recorded them; refused (a UserError) when never recorded.
        sources.prepare(self._conn, self.config.project, self.config.home, claim.stack)
        if claim.recover:
            for line in self.engine.recover(claim.stack, renders=settings.renders):
                recorder.to_all(Event("recovery", line))
            operations.mark_cleaned(self._conn, claim.stack)
        if claim.action == "up":
            self.engine.up(claim.stack, policy, recorder.note)
            return
        (operation,) = claim.operations  # a dry run is claimed alone
        self.engine.preview(claim.stack, policy, recorder.note, {PREVIEW_OPERATION_ENV: operation.id})

    def _record(self, claim: Claim, recorder: RunRecorder, outcome: str, failure: str | None, told: str | None) -> str:
        """Outcomes, run state and agent status in one transaction; fenced by the lease."""
        keys = [(op.user_id, op.agent_name, op.agent_revision) for op in claim.operations]
        with self._conn.transaction() as tx:
            if outcome == "released":
                written = operations.release(
                    self._conn,
                    claim.run_id,
                    delay_seconds=self.config.retry_delay_seconds,
                    reason=failure or "stack locked",
                    max_attempts=self.config.max_attempts,
                )
                state = "released"
            else:
                succeeded = outcome == "succeeded"
                written = operations.finish(
                    self._conn,
                    claim.run_id,
                    state="succeeded" if succeeded else "failed",
                    outcomes=recorder.outcomes(succeeded=succeeded, failure=told),
                    summary=recorder.summary,
                    error=failure,
                )
                state = outcome
                if written and claim.action == "up":
                    if succeeded:
                        agent_lifecycle.mark_applied(self._conn, keys)
                    else:
                        agent_lifecycle.mark_failed(self._conn, keys)
            if not written:
                raise psycopg.Rollback(tx)
        return state if written else "lost"

    def _report(self, claim: Claim, state: str, started: float) -> RunReport:
        return RunReport(
            claim.run_id, claim.stack, claim.action, len(claim.operations), state, time.monotonic() - started
        )


def _tail(text: str, limit: int = 4000) -> str:
    """The end of the engine's output for the run's record (operators only: deploy_runs is not readable
    through the API)."""
    return text.strip()[-limit:]
