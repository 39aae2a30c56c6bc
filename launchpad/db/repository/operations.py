"""The operations queue (supabase/migrations/20261207200000_operations_queue.sql): what the API enqueues, what
the deployer claims, runs and records.

- `enqueue` runs as the control plane (the table owner or service_role: users hold SELECT only), in the same
  transaction as the agent row it changes, so a change and its operation commit or vanish together. It
  notifies `launchpad_operations` with the stack name (delivered at commit) to wake a waiting worker.
- `claim_batch` takes every queued operation of ONE stack that has no running run: it inserts the stack's
  `deploy_runs` row first, and the unique index on (stack) where state = 'running' lets only one worker win;
  FOR UPDATE SKIP LOCKED keeps workers from waiting on each other's rows. Real changes are coalesced into
  one `up`; a dry run is claimed alone, for a `preview` with its own candidate.
- The run holds a lease (`lease_expires_at`) that `heartbeat` renews. `heartbeat` and `finish` are fenced:
  once a run is no longer 'running' (its lease expired and `recover_expired_leases` gave its operations
  back), they change nothing and return False, so a worker that was only slow cannot overwrite the outcome
  of the run that replaced it.
- Readers (`get_operation`, `list_events`) run as whoever the caller is: as a user (PostgREST's way:
  `set local role authenticated` + `request.jwt.claims`) row-level security shows only their own rows.

Every writer opens its own transaction (a savepoint when the caller already holds one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

Connection = psycopg.Connection[Any]

Kind = Literal["create", "update", "pause", "resume", "restart", "delete"]
State = Literal["queued", "running", "succeeded", "failed", "superseded", "cancelled"]
FinalState = Literal["succeeded", "failed", "superseded", "cancelled"]
Action = Literal["up", "preview"]

KINDS: tuple[Kind, ...] = ("create", "update", "pause", "resume", "restart", "delete")
CHANNEL = "launchpad_operations"  # LISTEN/NOTIFY channel; the payload is the stack name
LEASE_SECONDS = 60.0  # a run's lease; workers renew it every LEASE_SECONDS / 4
MAX_ATTEMPTS = 3  # runs an operation may be claimed by before a lost worker fails it


@dataclass(frozen=True)
class Operation:
    id: str
    user_id: str
    agent_name: str
    stack: str
    kind: str
    state: str
    dry_run: bool
    candidate: dict[str, Any] | None
    agent_revision: int | None
    summary: dict[str, Any] | None
    violations: list[dict[str, Any]]
    error_lines: list[str]
    run_id: str | None
    attempts: int
    idempotency_key: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


_OPERATION_COLUMNS = """
  o.id::text as id, o.user_id::text as user_id, o.agent_name, o.stack, o.kind, o.state, o.dry_run, o.candidate,
  o.agent_revision, o.summary, o.violations, o.error_lines, o.run_id::text as run_id, o.attempts,
  o.idempotency_key, o.created_at, o.started_at, o.finished_at
"""


@dataclass(frozen=True)
class Enqueued:
    id: str
    new: bool  # False: the idempotency key named an existing operation, which is returned instead


def enqueue(
    conn: Connection,
    *,
    user_id: str,
    agent_name: str,
    stack: str,
    kind: Kind,
    dry_run: bool = False,
    candidate: Mapping[str, Any] | None = None,
    agent_revision: int | None = None,
    idempotency_key: str | None = None,
) -> Enqueued:
    """Queue one operation. With an idempotency key the user already used, nothing is queued and the
    existing operation's id comes back (new=False); comparing the requests is the caller's job."""
    with conn.transaction():
        row = conn.execute(
            "insert into public.operations"
            " (user_id, agent_name, stack, kind, dry_run, candidate, agent_revision, idempotency_key)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (user_id, idempotency_key) do nothing"
            " returning id::text",
            (
                user_id,
                agent_name,
                stack,
                kind,
                dry_run,
                Jsonb(dict(candidate)) if candidate is not None else None,
                agent_revision,
                idempotency_key,
            ),
        ).fetchone()
        if row is None:  # only an idempotency key conflict returns no row
            existing = conn.execute(
                "select id::text from public.operations where user_id = %s and idempotency_key = %s",
                (user_id, idempotency_key),
            ).fetchone()
            assert existing is not None
            return Enqueued(str(existing[0]), new=False)
        conn.execute("select pg_notify(%s, %s)", (CHANNEL, stack))
        return Enqueued(str(row[0]), new=True)


@dataclass(frozen=True)
class Claim:
    run_id: str
    stack: str
    action: Action
    worker: str
    operations: tuple[Operation, ...]
    recover: bool  # an earlier run on this stack was abandoned: cancel and refresh before running


_NEXT_OPERATION = """
select o.id, o.stack, o.dry_run
from public.operations o
where o.state = 'queued' and o.available_at <= now()
  and (%(stacks)s::text[] is null or o.stack = any(%(stacks)s::text[]))
  and not (o.stack = any(%(skip)s::text[]))
  and not exists (select 1 from public.deploy_runs r where r.stack = o.stack and r.state = 'running')
order by o.created_at, o.id
limit 1
"""

_TAKE_RUN = """
insert into public.deploy_runs (stack, action, worker, lease_expires_at)
values (%s, %s, %s, now() + make_interval(secs => %s))
on conflict (stack) where state = 'running' do nothing
returning id::text
"""

_BATCH = """
select o.id from public.operations o
where o.stack = %s and o.state = 'queued' and not o.dry_run and o.available_at <= now()
order by o.created_at, o.id
for update of o skip locked
"""

_DRY_RUN = """
select o.id from public.operations o where o.id = %s and o.state = 'queued' for update of o skip locked
"""

_START = f"""
update public.operations o
set state = 'running', run_id = %s, attempts = o.attempts + 1, started_at = coalesce(o.started_at, now())
where o.id = any(%s::uuid[])
returning {_OPERATION_COLUMNS}
"""


def claim_batch(
    conn: Connection,
    worker: str,
    *,
    lease_seconds: float = LEASE_SECONDS,
    stacks: Sequence[str] | None = None,
) -> Claim | None:
    """Claim the oldest queued work of one stack nobody is running: all its queued changes for one `up`, or,
    when its oldest queued operation is a dry run, that dry run alone. None when there is nothing to claim.
    `stacks` limits the worker to those stacks.

    The scan for a stack locks nothing: the run row is the mutex (a second claimer's insert waits for the
    first one's transaction, then does nothing). Only the run's holder locks the stack's operations, and
    with SKIP LOCKED, so no claimer ever waits on a row another one holds: no deadlock, and an operation
    another claimer merely looked at is still taken into this run."""
    skip: list[str] = []
    scope = {"stacks": list(stacks) if stacks is not None else None, "skip": skip}
    with conn.transaction():
        while True:
            head = conn.execute(_NEXT_OPERATION, scope).fetchone()
            if head is None:
                return None
            head_id, stack, dry_run = head
            skip.append(str(stack))
            claim = _claim_stack(conn, worker, str(stack), head_id, bool(dry_run), lease_seconds)
            if claim is not None:
                return claim


def _claim_stack(
    conn: Connection, worker: str, stack: str, head_id: object, dry_run: bool, lease_seconds: float
) -> Claim | None:
    action: Action = "preview" if dry_run else "up"
    with conn.transaction() as attempt:  # a savepoint: undone whole when the stack turns out taken or empty
        taken = conn.execute(_TAKE_RUN, (stack, action, worker, lease_seconds)).fetchone()
        if taken is None:  # another worker holds a run on this stack
            return None
        run_id = str(taken[0])
        ids = [r[0] for r in conn.execute(_DRY_RUN if dry_run else _BATCH, (head_id,) if dry_run else (stack,))]
        if not ids:  # a run that finished meanwhile took them
            raise psycopg.Rollback(attempt)
        with conn.cursor(row_factory=class_row(Operation)) as cur:
            operations = tuple(sorted(cur.execute(_START, (run_id, ids)).fetchall(), key=_queue_order))
        recover = conn.execute(
            "select exists (select 1 from public.deploy_runs"
            " where stack = %s and state = 'abandoned' and cleaned_at is null)",
            (stack,),
        ).fetchone()
        return Claim(run_id, stack, action, worker, operations, bool(recover and recover[0]))
    return None  # rolled back


def _queue_order(op: Operation) -> tuple[datetime, str]:
    return (op.created_at, op.id)


def heartbeat(conn: Connection, run_id: str, *, lease_seconds: float = LEASE_SECONDS) -> bool:
    """Renew the run's lease. False: the run is no longer running (it was recovered): stop it, write nothing."""
    with conn.transaction():
        row = conn.execute(
            "update public.deploy_runs set heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => %s)"
            " where id = %s and state = 'running' returning 1",
            (lease_seconds, run_id),
        ).fetchone()
    return row is not None


def mark_cleaned(conn: Connection, stack: str) -> int:
    """After a run cancelled and refreshed the stack: its abandoned runs need no more cleaning."""
    with conn.transaction():
        cur = conn.execute(
            "update public.deploy_runs set cleaned_at = now()"
            " where stack = %s and state = 'abandoned' and cleaned_at is null",
            (stack,),
        )
        return cur.rowcount


@dataclass(frozen=True)
class Outcome:
    """What one operation of a finished run ends as."""

    state: FinalState
    summary: Mapping[str, Any] | None = None
    violations: Sequence[Mapping[str, Any]] = ()
    error_lines: Sequence[str] = ()


def finish(
    conn: Connection,
    run_id: str,
    *,
    state: Literal["succeeded", "failed"],
    outcomes: Mapping[str, Outcome],
    summary: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """End the run and write each of its operations' outcome (by operation id; every running operation of
    the run must have one). False, and nothing written, when the run had lost its lease."""
    with conn.transaction():
        row = conn.execute(
            "update public.deploy_runs set state = %s, finished_at = now(), summary = %s, error = %s"
            " where id = %s and state = 'running' returning 1",
            (state, Jsonb(dict(summary)) if summary is not None else None, error, run_id),
        ).fetchone()
        if row is None:
            return False
        running = {
            str(r[0])
            for r in conn.execute(
                "select id from public.operations where run_id = %s and state = 'running' for update", (run_id,)
            )
        }
        missing = running - set(outcomes)
        if missing:
            raise ValueError(f"run {run_id}: no outcome for operation(s) {', '.join(sorted(missing))}")
        for op_id in sorted(running):
            outcome = outcomes[op_id]
            conn.execute(
                "update public.operations set state = %s, summary = %s, violations = %s, error_lines = %s,"
                " finished_at = now() where id = %s",
                (
                    outcome.state,
                    Jsonb(dict(outcome.summary)) if outcome.summary is not None else None,
                    Jsonb([dict(v) for v in outcome.violations]),
                    list(outcome.error_lines),
                    op_id,
                ),
            )
    return True


def release(
    conn: Connection, run_id: str, *, delay_seconds: float, reason: str, max_attempts: int = MAX_ATTEMPTS
) -> bool:
    """Give a run's operations back to the queue after a failure that is not theirs (the stack was locked by
    someone else's update): each waits `delay_seconds`, or fails once it has been tried `max_attempts` times.
    False, and nothing written, when the run had lost its lease."""
    with conn.transaction():
        row = conn.execute(
            "update public.deploy_runs set state = 'failed', finished_at = now(), error = %s"
            " where id = %s and state = 'running' returning 1",
            (reason, run_id),
        ).fetchone()
        if row is None:
            return False
        _give_back(conn, run_id, delay_seconds, reason, max_attempts)
    return True


def _give_back(conn: Connection, run_id: str, delay_seconds: float, reason: str, max_attempts: int) -> None:
    conn.execute(
        "update public.operations set state = 'queued', available_at = now() + make_interval(secs => %s)"
        " where run_id = %s and state = 'running' and attempts < %s",
        (delay_seconds, run_id, max_attempts),
    )
    conn.execute(
        "update public.operations set state = 'failed', finished_at = now(),"
        " error_lines = error_lines || %s::text"
        " where run_id = %s and state = 'running'",
        (f"{reason}; gave up after {max_attempts} attempt(s)", run_id),
    )


@dataclass(frozen=True)
class Recovered:
    run_id: str
    stack: str
    worker: str


def recover_expired_leases(
    conn: Connection, *, max_attempts: int = MAX_ATTEMPTS, retry_delay_seconds: float = 0.0
) -> list[Recovered]:
    """Abandon every running run whose lease expired (its worker died or hung): its operations go back to
    the queue (or fail, after `max_attempts`), and the stack's next run cancels and refreshes first."""
    recovered: list[Recovered] = []
    with conn.transaction():
        rows = conn.execute(
            "select id::text, stack, worker from public.deploy_runs"
            " where state = 'running' and lease_expires_at < now()"
            " order by lease_expires_at for update skip locked"
        ).fetchall()
        for run_id, stack, worker in rows:
            reason = f"worker {worker} stopped renewing its lease on stack {stack}"
            conn.execute(
                "update public.deploy_runs set state = 'abandoned', finished_at = now(), error = %s where id = %s",
                (reason, run_id),
            )
            _give_back(conn, str(run_id), retry_delay_seconds, reason, max_attempts)
            recovered.append(Recovered(str(run_id), str(stack), str(worker)))
    return recovered


@dataclass(frozen=True)
class Event:
    """One event as the deployer records it for one operation."""

    kind: str
    message: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # default: now


@dataclass(frozen=True)
class StoredEvent:
    operation_id: str
    seq: int
    at: datetime
    kind: str
    message: str
    detail: dict[str, Any]


def record_events(conn: Connection, events: Mapping[str, Sequence[Event]], *, run_id: str | None = None) -> int:
    """Append events per operation id, numbered after the operation's last one. One writer per operation at a
    time (the run's lease), so max(seq) + 1 cannot collide. With `run_id`, fenced: an operation that is no
    longer running in that run (its lease was lost) gets nothing. How many rows were written."""
    written = 0
    with conn.transaction():
        for op_id, batch in events.items():
            if not batch:
                continue
            row = conn.execute(
                "select o.user_id, coalesce(max(e.seq), -1) from public.operations o"
                " left join public.operation_events e on e.operation_id = o.id"
                " where o.id = %s and (%s::uuid is null or (o.run_id = %s::uuid and o.state = 'running'))"
                " group by o.user_id",
                (op_id, run_id, run_id),
            ).fetchone()
            if row is None:
                if run_id is not None:
                    continue
                raise ValueError(f"no operation {op_id}")
            user_id, last = row
            start = int(last) + 1
            with conn.cursor() as cur:
                cur.executemany(
                    "insert into public.operation_events (operation_id, user_id, seq, at, kind, message, detail)"
                    " values (%s, %s, %s, coalesce(%s, now()), %s, %s, %s)",
                    [
                        (op_id, user_id, start + i, e.at, e.kind, e.message, Jsonb(dict(e.detail)))
                        for i, e in enumerate(batch)
                    ],
                )
            written += len(batch)
    return written


def get_operation(conn: Connection, operation_id: str) -> Operation | None:
    """The operation, or None when it does not exist or (as a user, under RLS) is not theirs."""
    with conn.cursor(row_factory=class_row(Operation)) as cur:
        return cur.execute(
            f"select {_OPERATION_COLUMNS} from public.operations o where o.id = %s", (operation_id,)
        ).fetchone()


def list_events(conn: Connection, operation_id: str, *, after_seq: int = -1, limit: int = 500) -> list[StoredEvent]:
    """The operation's events after `after_seq`, in order (resume a stream from the last seq seen)."""
    with conn.cursor(row_factory=class_row(StoredEvent)) as cur:
        return cur.execute(
            "select operation_id::text as operation_id, seq, at, kind, message, detail from public.operation_events"
            " where operation_id = %s and seq > %s order by seq limit %s",
            (operation_id, after_seq, limit),
        ).fetchall()


def run_state(conn: Connection, run_id: str) -> str | None:
    row = conn.execute("select state from public.deploy_runs where id = %s", (run_id,)).fetchone()
    return str(row[0]) if row else None
