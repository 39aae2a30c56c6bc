"""The operations queue on both databases (plain PostgreSQL as its superuser, hosted-like as `postgres`):
enqueue, claim per stack, coalescing, leases, recovery, outcomes and events."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest

from launchpad.db.repository import operations as ops

pytestmark = pytest.mark.postgres

USER_A = "00000000-0000-4000-8000-0000000000d1"
USER_B = "00000000-0000-4000-8000-0000000000d2"


@pytest.fixture
def url(any_migrated_url: str) -> str:
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (USER_A, USER_B))
    return any_migrated_url


@pytest.fixture
def conn(url: str) -> Iterator[ops.Connection]:
    with psycopg.connect(url, autocommit=True) as connection:
        yield connection


def _queue(conn: ops.Connection, stack: str, *names: str, user: str = USER_A, **kw: object) -> list[str]:
    return [
        ops.enqueue(conn, user_id=user, agent_name=n, stack=stack, kind="update", **kw).id  # type: ignore[arg-type]
        for n in names
    ]


def test_enqueue_then_read_back(conn: ops.Connection) -> None:
    queued = ops.enqueue(conn, user_id=USER_A, agent_name="alpha", stack="local", kind="create", agent_revision=3)
    assert queued.new
    op = ops.get_operation(conn, queued.id)
    assert op is not None
    assert (op.user_id, op.agent_name, op.stack, op.kind, op.state, op.agent_revision) == (
        USER_A,
        "alpha",
        "local",
        "create",
        "queued",
        3,
    )
    assert (op.attempts, op.run_id, op.violations, op.error_lines, op.finished_at) == (0, None, [], [], None)


def test_idempotency_key_returns_the_first_operation_per_user(conn: ops.Connection) -> None:
    first = ops.enqueue(conn, user_id=USER_A, agent_name="alpha", stack="s", kind="create", idempotency_key="k1")
    again = ops.enqueue(conn, user_id=USER_A, agent_name="alpha", stack="s", kind="create", idempotency_key="k1")
    other_user = ops.enqueue(conn, user_id=USER_B, agent_name="alpha", stack="s", kind="create", idempotency_key="k1")
    assert again == ops.Enqueued(first.id, new=False)
    assert other_user.new and other_user.id != first.id
    assert conn.execute("select count(*) from public.operations").fetchone() == (2,)


def test_enqueue_notifies_the_stack_at_commit_only(url: str, conn: ops.Connection) -> None:
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"listen {ops.CHANNEL}")
        with conn.transaction():
            _queue(conn, "prod-shard-3", "alpha")
            assert list(listener.notifies(timeout=0.2)) == []  # not before the change is visible
        received = list(listener.notifies(timeout=2, stop_after=1))
    assert [(n.channel, n.payload) for n in received] == [(ops.CHANNEL, "prod-shard-3")]


def test_an_enqueue_rolled_back_with_its_agent_change_leaves_nothing(conn: ops.Connection) -> None:
    with pytest.raises(RuntimeError), conn.transaction():
        _queue(conn, "s", "alpha")
        raise RuntimeError("the agent row change failed")
    assert conn.execute("select count(*) from public.operations").fetchone() == (0,)


def test_claim_coalesces_one_stacks_queue_and_leaves_other_stacks(conn: ops.Connection) -> None:
    s1 = _queue(conn, "s1", "a", "b")
    s2 = _queue(conn, "s2", "c")
    s1 += _queue(conn, "s1", "d", user=USER_B)
    claim = ops.claim_batch(conn, "w1")
    assert claim is not None
    assert (claim.stack, claim.action, claim.recover) == ("s1", "up", False)
    assert [o.id for o in claim.operations] == s1  # queue order, both users' operations
    assert {(o.state, o.attempts, o.run_id) for o in claim.operations} == {("running", 1, claim.run_id)}
    second = ops.claim_batch(conn, "w2")
    assert second is not None and (second.stack, [o.id for o in second.operations]) == ("s2", s2)
    # Both stacks are running: what is queued meanwhile waits for the stack's next run.
    late = _queue(conn, "s1", "e")
    assert ops.claim_batch(conn, "w3") is None
    assert ops.finish(conn, claim.run_id, state="succeeded", outcomes={i: ops.Outcome("succeeded") for i in s1})
    after = ops.claim_batch(conn, "w3")
    assert after is not None and [o.id for o in after.operations] == late


def test_claim_can_be_limited_to_stacks(conn: ops.Connection) -> None:
    _queue(conn, "s1", "a")
    wanted = _queue(conn, "s2", "b")
    claim = ops.claim_batch(conn, "w", stacks=["s2", "s9"])
    assert claim is not None and [o.id for o in claim.operations] == wanted
    assert ops.claim_batch(conn, "w", stacks=["s2"]) is None


def test_a_dry_run_is_claimed_alone_for_a_preview(conn: ops.Connection) -> None:
    (dry,) = _queue(conn, "s1", "a", dry_run=True, candidate={"name": "a", "replicas": 2})
    real = _queue(conn, "s1", "b", "c")
    claim = ops.claim_batch(conn, "w")
    assert claim is not None and claim.action == "preview"
    assert [(o.id, o.candidate) for o in claim.operations] == [(dry, {"name": "a", "replicas": 2})]
    assert ops.claim_batch(conn, "w2") is None  # one run per stack, a preview included
    ops.finish(conn, claim.run_id, state="succeeded", outcomes={dry: ops.Outcome("succeeded")})
    up = ops.claim_batch(conn, "w")
    assert up is not None and up.action == "up" and [o.id for o in up.operations] == real


def test_a_candidate_belongs_to_a_dry_run_only(conn: ops.Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation, match="operations_candidate_is_dry_run"):
        _queue(conn, "s1", "a", candidate={"name": "a"})


def test_one_running_run_per_stack_is_the_databases_rule(conn: ops.Connection) -> None:
    _queue(conn, "s1", "a")
    assert ops.claim_batch(conn, "w") is not None
    with pytest.raises(psycopg.errors.UniqueViolation, match="deploy_runs_one_running_per_stack"):
        conn.execute(
            "insert into public.deploy_runs (stack, action, worker, lease_expires_at) values ('s1', 'up', 'x', now())"
        )


def test_concurrent_workers_claim_each_operation_once_and_never_one_stack_twice(url: str, conn: ops.Connection) -> None:
    stacks = [f"shard-{i}" for i in range(4)]
    queued = [i for n in range(10) for i in _queue(conn, stacks[n % 4], f"agent-{n}")]
    claims: list[ops.Claim] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(number: int) -> None:
        with psycopg.connect(url, autocommit=True) as own:
            barrier.wait()
            claim = ops.claim_batch(own, f"w{number}")
            if claim is not None:
                with lock:
                    claims.append(claim)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_stack = Counter(c.stack for c in claims)
    assert per_stack == dict.fromkeys(stacks, 1)  # every stack once, no stack twice
    claimed = [o.id for c in claims for o in c.operations]
    assert sorted(claimed) == sorted(queued)  # every operation once, all in the first runs


def test_heartbeat_keeps_the_lease_and_an_expired_one_gives_the_operations_back(conn: ops.Connection) -> None:
    ids = _queue(conn, "s1", "a", "b")
    claim = ops.claim_batch(conn, "w-dead", lease_seconds=0.2)
    assert claim is not None
    assert ops.heartbeat(conn, claim.run_id, lease_seconds=0.2)
    assert ops.recover_expired_leases(conn) == []  # renewed: not expired
    time.sleep(0.3)
    recovered = ops.recover_expired_leases(conn)
    assert recovered == [ops.Recovered(claim.run_id, "s1", "w-dead")]
    assert ops.run_state(conn, claim.run_id) == "abandoned"
    # The dead worker, if only slow, can no longer renew or write an outcome.
    assert not ops.heartbeat(conn, claim.run_id)
    assert not ops.finish(conn, claim.run_id, state="succeeded", outcomes={i: ops.Outcome("succeeded") for i in ids})
    states = {o.state for i in ids if (o := ops.get_operation(conn, i))}
    assert states == {"queued"}
    retry = ops.claim_batch(conn, "w-new")
    assert retry is not None and retry.recover and [o.id for o in retry.operations] == ids
    assert {o.attempts for o in retry.operations} == {2}
    assert ops.mark_cleaned(conn, "s1") == 1
    ops.finish(conn, retry.run_id, state="succeeded", outcomes={i: ops.Outcome("succeeded") for i in ids})
    _queue(conn, "s1", "c")
    later = ops.claim_batch(conn, "w-new")
    assert later is not None and not later.recover


def test_attempts_are_bounded(conn: ops.Connection) -> None:
    (op_id,) = _queue(conn, "s1", "a")
    for _ in range(ops.MAX_ATTEMPTS):
        claim = ops.claim_batch(conn, "w", lease_seconds=0.01)
        assert claim is not None
        time.sleep(0.05)
        assert len(ops.recover_expired_leases(conn)) == 1
    assert ops.claim_batch(conn, "w") is None
    op = ops.get_operation(conn, op_id)
    assert op is not None and op.state == "failed" and op.finished_at is not None
    assert op.error_lines == [
        f"worker w stopped renewing its lease on stack s1; gave up after {ops.MAX_ATTEMPTS} attempt(s)"
    ]


def test_release_requeues_with_a_delay(conn: ops.Connection) -> None:
    (op_id,) = _queue(conn, "s1", "a")
    claim = ops.claim_batch(conn, "w")
    assert claim is not None
    assert ops.release(conn, claim.run_id, delay_seconds=0.3, reason="stack locked by another update")
    assert ops.claim_batch(conn, "w") is None  # waiting out the delay
    time.sleep(0.35)
    again = ops.claim_batch(conn, "w")
    assert again is not None and [o.id for o in again.operations] == [op_id]


def test_finish_writes_each_outcome_or_nothing(conn: ops.Connection) -> None:
    a, b = _queue(conn, "s1", "a", "b")
    claim = ops.claim_batch(conn, "w")
    assert claim is not None
    with pytest.raises(ValueError, match="no outcome for operation"):
        ops.finish(conn, claim.run_id, state="succeeded", outcomes={a: ops.Outcome("succeeded")})
    assert ops.run_state(conn, claim.run_id) == "running"  # rolled back whole
    violation = {"policy": "replica-bounds", "message": "too many", "urn": "urn:x"}
    assert ops.finish(
        conn,
        claim.run_id,
        state="failed",
        outcomes={
            a: ops.Outcome("superseded", summary={"supersededBy": b}),
            b: ops.Outcome("failed", violations=[violation], error_lines=["policy replica-bounds: too many"]),
        },
        error="update failed",
    )
    op_a, op_b = ops.get_operation(conn, a), ops.get_operation(conn, b)
    assert op_a is not None and (op_a.state, op_a.summary) == ("superseded", {"supersededBy": b})
    assert op_b is not None and (op_b.state, op_b.violations, op_b.error_lines) == (
        "failed",
        [violation],
        ["policy replica-bounds: too many"],
    )
    assert op_b.finished_at is not None and ops.run_state(conn, claim.run_id) == "failed"


def test_events_are_numbered_per_operation(conn: ops.Connection) -> None:
    a, b = _queue(conn, "s1", "a", "b")
    ops.record_events(conn, {a: [ops.Event("start", "up"), ops.Event("resource", "created", {"urn": "u1"})]})
    ops.record_events(conn, {a: [ops.Event("end", "done")], b: [ops.Event("start", "up")]})
    assert [(e.seq, e.kind, e.detail) for e in ops.list_events(conn, a)] == [
        (0, "start", {}),
        (1, "resource", {"urn": "u1"}),
        (2, "end", {}),
    ]
    assert [e.seq for e in ops.list_events(conn, a, after_seq=0)] == [1, 2]
    assert [(e.operation_id, e.seq) for e in ops.list_events(conn, b)] == [(b, 0)]
    owners = conn.execute("select distinct user_id::text from public.operation_events").fetchall()
    assert owners == [(USER_A,)]
