"""The Pulumi engine, through the Automation API: the only module of the project that imports
`pulumi.automation` (tests/layout). It runs THIS project's program on a stack (LocalWorkspace over the project
directory, never an inline program: the deployer builds no resource of its own) with the policy pack, and
hands the engine's structured events (`on_event`) to the caller.

Per worker process: its own PULUMI_HOME (workspace.json, logs, credentials: `select_stack` races on
workspace.json across processes, pulumi/pulumi#8186) and its own directory for what a run writes (the dry
run's candidate file), and the engine runs behind services/deployer/guard.py, so it dies with the worker.
The project directory itself is read-only to the engine: `select_stack` writes nothing there.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pulumi.automation import (
    CommandError,
    ConcurrentUpdateError,
    EngineEvent,
    LocalWorkspace,
    PulumiCommand,
    ResOpFailedEvent,
    ResourcePreEvent,
    ResOutputsEvent,
    Stack,
    StackNotFoundError,
)

from services.deployer import guard
from services.deployer.notes import DiagnosticNote, Note, PolicyNote, StepNote, SummaryNote

OnNote = Callable[[Note], None]


class EngineUnavailable(Exception):
    """No `pulumi` on PATH."""


class StackLocked(Exception):
    """Another update holds the stack (someone's `pulumi up` outside the deployer): try again later."""


class StackMissing(Exception):
    """The stack does not exist in the backend."""


class EngineFailed(Exception):
    """The engine ran and failed: the program, the policy pack (mandatory violations) or a resource."""

    def __init__(self, stderr: str, stdout: str) -> None:
        super().__init__(stderr.strip() or stdout.strip())
        self.stderr = stderr
        self.stdout = stdout


@dataclass(frozen=True)
class EngineSetup:
    project: Path  # Pulumi.yaml, __main__.py, policies/ (the program as the repository holds it)
    home: Path  # this worker's own directory: PULUMI_HOME and run files live under it
    env: Mapping[str, str]  # extra environment for every engine run (backend URL, passphrase come from ours)


class Engine:
    """One worker's engine. Not thread-safe: one run at a time per worker, by design."""

    def __init__(self, setup: EngineSetup) -> None:
        real = shutil.which("pulumi")
        if real is None:
            raise EngineUnavailable("no `pulumi` on PATH (source scripts/engine-env.sh; tools/engine builds it)")
        self.setup = setup
        pulumi_home = setup.home / "pulumi-home"
        pulumi_home.mkdir(parents=True, exist_ok=True)
        self._guard = guard.install(setup.home / "engine" / "bin", real, sys.executable)
        command = PulumiCommand(root=str(setup.home / "engine"), skip_version_check=True)
        self._workspace = LocalWorkspace(
            work_dir=str(setup.project), pulumi_home=str(pulumi_home), env_vars=dict(setup.env), pulumi_command=command
        )

    def stop(self) -> list[int]:
        """Kill the engine this worker is running (from another thread): its guard takes the process group."""
        return guard.stop_children(self._guard)

    def _stack(self, name: str, env: Mapping[str, str]) -> Stack:
        self._workspace.env_vars = {**self.setup.env, **env}
        try:
            return Stack.select(name, self._workspace)
        except StackNotFoundError:
            raise StackMissing(f"stack {name} does not exist in the backend") from None

    def up(self, stack: str, policy_config: Path, on_note: OnNote, env: Mapping[str, str] | None = None) -> None:
        self._run(stack, "up", policy_config, on_note, env or {})

    def preview(self, stack: str, policy_config: Path, on_note: OnNote, env: Mapping[str, str] | None = None) -> None:
        self._run(stack, "preview", policy_config, on_note, env or {})

    def _run(self, stack: str, action: str, policy_config: Path, on_note: OnNote, env: Mapping[str, str]) -> None:
        selected = self._stack(stack, env)

        def on_event(event: EngineEvent) -> None:
            note = to_note(event)
            if note is not None:
                on_note(note)

        packs = [str(self.setup.project / "policies")]
        configs = [str(policy_config)]
        try:
            if action == "up":
                # show_secrets=False: the summary the Automation API reads afterwards stays encrypted.
                selected.up(on_event=on_event, policy_packs=packs, policy_pack_configs=configs, show_secrets=False)
            else:
                selected.preview(on_event=on_event, policy_packs=packs, policy_pack_configs=configs)
        except ConcurrentUpdateError as exc:
            raise StackLocked(_first_line(_output(exc)[1]) or "the stack is locked by another update") from None
        except CommandError as exc:
            raise EngineFailed(*reversed(_output(exc))) from None

    def recover(self, stack: str, *, renders: bool) -> list[str]:
        """After a worker died mid-update: release the lock it left (`cancel`: the self-managed backend's lock
        has no expiry, pulumi/pulumi#9253), then clear the pending operations it left in the state (#4265,
        #5377): a stack on a cluster is refreshed (`refresh --clear-pending-creates` reads what the cluster
        holds); a stack that renders manifests cannot be read back (its provider refuses a refresh without a
        cluster), so its pending operations are dropped, and the next `up` renders those files again. (`up` itself
        only warns about pending operations since pulumi/pulumi#10394, and drops them: tried here with a pending
        create. Clearing them first keeps the state saying what the cluster holds, read back, not assumed.) What
        was done, one line each: counts only (the resources are every agent's of the stack)."""
        selected = self._stack(stack, {})
        done = []
        try:
            selected.cancel()
            # The self-managed backend's cancel removes whatever lock files there are and says so either way.
            done.append("released the stack's update lock, if the lost worker held one (pulumi cancel)")
        except CommandError as exc:  # no update in progress: the lost worker had not locked it yet
            done.append(f"no update lock to release ({_first_line(_output(exc)[1]) or 'none held'})")
        pending = self._pending_operations(stack)
        if pending and not renders:
            try:
                selected.refresh(clear_pending_creates=True)
            except CommandError as exc:
                raise EngineFailed(*reversed(_output(exc))) from None
            done.append(
                f"refreshed the state from the cluster ({pending} pending operation(s) left by the lost worker)"
            )
            pending = self._pending_operations(stack)
        if pending:
            self._drop_pending_operations(stack)
            done.append(f"dropped {pending} pending operation(s) the lost worker left; the update redoes them")
        done.append("the stack is clear: no lock, no pending operation")
        return done

    def _cli(self, *args: str) -> str:
        """A pulumi command on the workspace, without the Automation API's helpers that show secrets (its
        export_stack passes --show-secrets and writes the plaintext state to a temporary file)."""
        envs = {"PULUMI_HOME": str(self._workspace.pulumi_home), **self._workspace.env_vars}
        try:
            return self._workspace.pulumi_command.run(list(args), str(self.setup.project), envs).stdout
        except CommandError as exc:
            raise EngineFailed(*reversed(_output(exc))) from None

    def _state_file(self, stack: str) -> Path:
        return self.setup.home / "runs" / f"{stack}.state.json"

    def _pending_operations(self, stack: str) -> int:
        path = self._state_file(stack)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._cli("stack", "export", "--stack", stack, "--file", str(path))  # secrets stay ciphertexts
        state = json.loads(path.read_text())
        return len((state.get("deployment") or {}).get("pending_operations") or [])

    def _drop_pending_operations(self, stack: str) -> None:
        path = self._state_file(stack)
        state = json.loads(path.read_text())
        state["deployment"].pop("pending_operations", None)
        path.write_text(json.dumps(state))
        try:
            self._cli("stack", "import", "--stack", stack, "--file", str(path))
        finally:
            path.unlink(missing_ok=True)


def _output(exc: CommandError) -> tuple[str, str]:
    """(stdout, stderr) of a failed command: the Automation API keeps them only in the error's text,
    `\n code: N\n stdout: ...\n stderr: ...` (pulumi/automation/_cmd.py CommandResult.__str__)."""
    text = str(exc)
    head, _, stderr = text.partition("\n stderr: ")
    _, _, stdout = head.partition("\n stdout: ")
    return stdout, stderr


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or [""])[0]


def to_note(event: EngineEvent) -> Note | None:
    """The part of an engine event the deployer keeps (services/deployer/notes.py), or None."""
    steps: tuple[
        tuple[Literal["pre", "done", "failed"], ResourcePreEvent | ResOutputsEvent | ResOpFailedEvent | None], ...
    ] = (
        ("pre", event.resource_pre_event),
        ("done", event.res_outputs_event),
        ("failed", event.res_op_failed_event),
    )
    for phase, step in steps:
        if step is not None:
            meta = step.metadata
            state = meta.new or meta.old
            parent = state.parent if state is not None and state.parent else None
            diffs = tuple(sorted({d.split(".", 1)[0].split("[", 1)[0] for d in (meta.diffs or [])}))
            op = str(getattr(meta.op, "value", meta.op))
            return StepNote(phase, op, meta.urn, meta.type, parent, diffs)
    if event.diagnostic_event is not None:
        diag = event.diagnostic_event
        return DiagnosticNote(diag.urn or None, diag.severity, diag.message)
    if event.policy_event is not None:
        pol = event.policy_event
        return PolicyNote(
            pol.resource_urn or None, pol.policy_name, pol.policy_pack_name, pol.enforcement_level, pol.message
        )
    if event.summary_event is not None:
        summary = event.summary_event
        changes = {str(getattr(k, "value", k)): int(v) for k, v in summary.resource_changes.items()}
        return SummaryNote(changes, int(summary.duration_seconds))
    return None
