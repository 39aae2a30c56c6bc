"""One run's record, per operation: the engine's events attributed to each operation's agent
(services/deployer/attribution.py), buffered until the run's keeper writes them, and at the end each
operation's outcome (state, what changed for its agent, its policy violations, its error lines).

The engine calls `note` from its event threads while the worker waits on the run, hence the lock. A user
sees only what is attributed to their own agent: events of shared objects, of other agents, and the free
text of a program failure that names no agent of theirs are never copied into their operation.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from launchpad.db.repository.operations import Claim, Event, Operation, Outcome
from services.deployer.attribution import Attribution, split_urn
from services.deployer.notes import DiagnosticNote, Note, PolicyNote, StepNote, SummaryNote, plain

QUIET_OPS = {"same", "read", "refresh"}  # steps that change nothing: not worth an event each
PAST = {"create": "created", "update": "updated", "delete": "deleted", "replace": "replaced"}


def _resource(urn: str) -> dict[str, str]:
    parsed = split_urn(urn)
    return {"type": parsed[0][-1], "name": parsed[1]} if parsed else {"type": "", "name": urn}


class RunRecorder:
    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self._lock = threading.Lock()
        self._attribution = Attribution()
        self._ops: dict[str, list[Operation]] = defaultdict(list)
        for op in claim.operations:
            self._ops[op.agent_name].append(op)
        # An agent name queued by two users in one run (a name freed and taken again): its engine events go
        # to neither, since they cannot be told apart.
        self._shared_names = {name for name, ops in self._ops.items() if len({o.user_id for o in ops}) > 1}
        self._pending: dict[str, list[Event]] = defaultdict(list)
        self._changes: dict[str, Counter[str]] = defaultdict(Counter)
        self._resources: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._violations: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._errors: dict[str, list[str]] = defaultdict(list)
        self.unattributed_errors: list[str] = []
        self.summary: dict[str, Any] = {}

    # -- events, as the engine sends them -------------------------------------------------------------

    def note(self, note: Note) -> None:
        with self._lock:
            if isinstance(note, StepNote):
                self._step(note)
            elif isinstance(note, DiagnosticNote):
                self._diagnostic(note)
            elif isinstance(note, PolicyNote):
                self._policy(note)
            elif isinstance(note, SummaryNote):
                self.summary = {"changes": dict(note.changes), "seconds": note.seconds}

    def _agent(self, urn: str | None) -> str | None:
        agent = self._attribution.agent_of(urn)
        return agent if agent in self._ops and agent not in self._shared_names else None

    def _step(self, step: StepNote) -> None:
        agent = self._attribution.observe(step.urn, step.parent)
        if agent not in self._ops or agent in self._shared_names or step.op in QUIET_OPS:
            return
        resource = _resource(step.urn)
        what = f"{resource['type']} {resource['name']}"
        if step.phase == "pre":
            self._emit(
                agent, Event("resource", f"{step.op} {what}", {**resource, "op": step.op, "diffs": list(step.diffs)})
            )
        elif step.phase == "done":
            self._changes[agent][step.op] += 1
            self._resources[agent].append({**resource, "op": step.op})
            self._emit(
                agent, Event("resource-done", f"{PAST.get(step.op, step.op)} {what}", {**resource, "op": step.op})
            )
        else:
            self._errors[agent].append(f"{step.op} {what} failed")
            self._emit(agent, Event("resource-failed", f"{step.op} {what} failed", {**resource, "op": step.op}))

    def _diagnostic(self, diag: DiagnosticNote) -> None:
        if diag.severity not in ("error", "warning"):
            return
        message = plain(diag.message)
        agent = self._agent(diag.urn)
        if agent is None:
            if diag.severity == "error":
                self.unattributed_errors.append(message)
            return
        if diag.severity == "error":
            self._errors[agent].extend(line for line in message.splitlines() if line.strip())
        self._emit(agent, Event("diagnostic", message, {"severity": diag.severity, **_resource(diag.urn or "")}))

    def _policy(self, policy: PolicyNote) -> None:
        agent = self._agent(policy.urn)
        if agent is None:
            return
        violation = {
            "policy": policy.policy,
            "pack": policy.pack,
            "enforcement": policy.enforcement,
            "message": plain(policy.message),
            "resource": _resource(policy.urn or ""),
        }
        self._violations[agent].append(violation)
        if policy.enforcement == "mandatory":
            self._errors[agent].append(f"policy {policy.policy} (mandatory): {violation['message']}")
        self._emit(
            agent, Event("policy", f"{policy.enforcement} policy {policy.policy}: {violation['message']}", violation)
        )

    def _emit(self, agent: str, event: Event) -> None:
        for op in self._ops[agent]:
            self._pending[op.id].append(event)

    # -- what the worker writes ---------------------------------------------------------------------------

    def to_all(self, event: Event) -> None:
        """A run-level event every operation of the run may see (it names nothing of another agent)."""
        with self._lock:
            for op in self.claim.operations:
                self._pending[op.id].append(event)

    def drain(self) -> dict[str, list[Event]]:
        with self._lock:
            pending, self._pending = dict(self._pending), defaultdict(list)
        return pending

    def put_back(self, pending: dict[str, list[Event]]) -> None:
        """Events a write failed to store go back in front of the buffer, for the next write."""
        with self._lock:
            for op_id, events in pending.items():
                self._pending[op_id] = [*events, *self._pending[op_id]]

    def outcomes(self, *, succeeded: bool, failure: str | None = None) -> dict[str, Outcome]:
        """Each operation's outcome. A successful run applied the LATEST request per agent: earlier ones of the
        same agent in the run are superseded by it. A failed run fails every operation: with its agent's own
        error lines, else with one saying the update failed elsewhere (the run applies one desired state for
        the whole stack)."""
        with self._lock:
            program_lines = self._program_lines()
            result: dict[str, Outcome] = {}
            for agent, ops in self._ops.items():
                latest = ops[-1]  # claims come in queue order
                summary = {
                    "stack": self.claim.stack,
                    "changes": dict(self._changes[agent]),
                    "resources": list(self._resources[agent]),
                }
                violations = list(self._violations[agent])
                for op in ops[:-1]:
                    if succeeded:
                        result[op.id] = Outcome("superseded", {**summary, "supersededBy": latest.id}, violations)
                    else:
                        result[op.id] = Outcome(
                            "failed", summary, violations, self._lines(agent, program_lines, failure)
                        )
                if succeeded:
                    result[latest.id] = Outcome("succeeded", summary, violations)
                else:
                    result[latest.id] = Outcome(
                        "failed", summary, violations, self._lines(agent, program_lines, failure)
                    )
            return result

    def _program_lines(self) -> dict[str, list[str]]:
        """Lines of a failure nobody's resource reported (the program stopped: an invalid fleet, a missing
        secret) that name one of this run's agents as an API agent file (`api:<name>`)."""
        by_agent: dict[str, list[str]] = defaultdict(list)
        for message in self.unattributed_errors:
            for line in message.splitlines():
                for agent in self._ops:
                    if re.search(rf"(?<![\w-])api:{re.escape(agent)}(?![\w-])", line):
                        by_agent[agent].append(line.strip())
        return by_agent

    def _lines(self, agent: str, program_lines: dict[str, list[str]], failure: str | None) -> list[str]:
        own = [*self._errors[agent], *program_lines.get(agent, [])]
        if own:
            return list(dict.fromkeys(own))
        what = "preview" if self.claim.action == "preview" else "update"
        reason = f" ({failure})" if failure else ""
        return [
            f"the {what} of stack {self.claim.stack} failed before or beside this agent's change{reason}; "
            "nothing in it was reported about this agent: retry it"
        ]


def agents_of(operations: Sequence[Operation]) -> list[str]:
    return list(dict.fromkeys(op.agent_name for op in operations))
