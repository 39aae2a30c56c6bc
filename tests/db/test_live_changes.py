"""The control plane's own live streams (20261207550000_dashboard_live.sql, launchpad/db/repository/changes.py),
on both databases, read as the user the way the API reads them (`as_user`): every agent created, changed where
the list shows it, or deleted is one change; an operation's every state and every engine event are in their
streams; each user reads only their own; and the streams are in commit order: a change committed while an
older transaction still runs is held back, never skipped, and read in order once that one ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from launchpad.db.repository import changes
from launchpad.db.repository import operations as ops
from launchpad.db.repository.session import as_user

pytestmark = pytest.mark.postgres

USER_A = "00000000-0000-4000-8000-00000000a0a1"
USER_B = "00000000-0000-4000-8000-00000000b0b2"
Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture
def db(any_migrated_url: str) -> Iterator[str]:
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (USER_A, USER_B))
    yield any_migrated_url


def _claims(user: str) -> dict[str, Any]:
    return {"sub": user, "role": "authenticated"}


def _heads(url: str, user: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as conn, as_user(conn, _claims(user)):
        return changes.heads(conn)


def _after(url: str, user: str, stream: str, position: int, agent_id: str | None = None) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True) as conn, as_user(conn, _claims(user)):
        return changes.after(conn, stream, position, agent_id=agent_id, limit=1000)


def _pending(url: str, user: str, stream: str, position: int) -> bool:
    with psycopg.connect(url, autocommit=True) as conn, as_user(conn, _claims(user)):
        return changes.pending(conn, stream, position)


def _insert(conn: Conn, user: str, name: str) -> str:
    row = conn.execute("insert into public.agents (user_id, name, namespace, image) values (%s, %s, %s, 'img:1')"
                       " returning id::text", (user, name, f"agent-{name}")).fetchone()
    assert row is not None
    return str(row[0])


def test_every_change_the_list_shows_is_one_event_to_its_owner_only(db: str) -> None:
    head_a, head_b = _heads(db, USER_A), _heads(db, USER_B)
    with psycopg.connect(db, autocommit=True) as conn:
        alpha = _insert(conn, USER_A, "alpha")
        _insert(conn, USER_B, "beta")
        conn.execute("update public.agents set status = 'running' where name = 'alpha'")
        conn.execute("update public.agents set character = '{\"bio\": \"x\"}' where name = 'alpha'")  # not shown
        conn.execute("update public.agents set replicas = 2, image = 'img:2' where name = 'alpha'")
        conn.execute("delete from public.agents where name = 'alpha'")
    mine = _after(db, USER_A, "agents", head_a["agents"])
    assert [(r["agent"], r["op"], r["status"], r["replicas"]) for r in mine] == [
        ("alpha", "insert", None, None), ("alpha", "update", None, None), ("alpha", "update", None, None),
        ("alpha", "delete", None, None),
    ]  # the row is gone: each change says which agent and what happened; a current row fills the rest
    assert all(r["agent_id"] == alpha for r in mine)
    positions = [r["seq"] for r in mine]
    assert positions == sorted(positions) and len(set(positions)) == 4 and positions[0] > head_a["agents"]
    theirs = _after(db, USER_B, "agents", head_b["agents"])
    assert [(r["agent"], r["op"], r["status"], r["image"]) for r in theirs] == [("beta", "insert", "pending", "img:1")]
    assert _after(db, USER_B, "agents", head_b["agents"], agent_id=alpha) == []


def test_a_change_carries_the_agents_current_row(db: str) -> None:
    head = _heads(db, USER_A)["agents"]
    with psycopg.connect(db, autocommit=True) as conn:
        _insert(conn, USER_A, "gamma")
        conn.execute("update public.agents set status = 'deploying', paused = true where name = 'gamma'")
    rows = _after(db, USER_A, "agents", head)
    assert [(r["op"], r["status"], r["paused"], r["image"], r["tenant"]) for r in rows] == [
        ("insert", "deploying", True, "img:1", None), ("update", "deploying", True, "img:1", None)]
    # Resuming after the first gives the second only.
    assert [r["op"] for r in _after(db, USER_A, "agents", rows[0]["seq"])] == ["update"]


def test_operations_and_their_events_stream_every_state(db: str) -> None:
    """An operation is a row that moves: a reader gets its state as of each read (every state it reads between
    writes), each time with a later position; its engine events are rows that stay."""
    head = _heads(db, USER_A)
    with psycopg.connect(db, autocommit=True) as conn:
        agent = _insert(conn, USER_A, "delta")
        op = ops.enqueue(conn, user_id=USER_A, agent_name="delta", stack="dev", kind="create").id
        other = ops.enqueue(conn, user_id=USER_B, agent_name="nobody", stack="dev", kind="create").id
        queued = _after(db, USER_A, "operations", head["operations"])
        assert [(r["id"], r["state"], r["agent"], r["agent_id"], r["kind"]) for r in queued] == [
            (op, "queued", "delta", agent, "create")]
        assert ops.claim_batch(conn, "worker-1") is not None
        running = _after(db, USER_A, "operations", queued[-1]["seq"])
        assert [(r["id"], r["state"]) for r in running] == [(op, "running")]
        assert running[0]["seq"] > queued[0]["seq"]
        ops.record_events(conn, {op: [ops.Event("resource", "created Deployment"), ops.Event("resource", "done")],
                                 other: [ops.Event("resource", "not A's")]})
    assert _after(db, USER_A, "operations", running[-1]["seq"]) == []  # nothing new about it
    events = _after(db, USER_A, "opevents", head["opevents"])
    assert [(r["operation_id"], r["message"], r["agent"]) for r in events] == [
        (op, "created Deployment", "delta"), (op, "done", "delta")]
    assert events[0]["number"] < events[1]["number"]  # the operation's own event numbers, as GET /operations gives
    assert [r["message"] for r in _after(db, USER_B, "opevents", head["opevents"])] == ["not A's"]
    assert [r["id"] for r in _after(db, USER_B, "operations", head["operations"])] == [other]
    assert _after(db, USER_A, "operations", head["operations"], agent_id=agent)[-1]["state"] == "running"


def test_a_change_committed_behind_a_running_transaction_is_held_back_not_skipped(db: str) -> None:
    head = _heads(db, USER_A)["agents"]
    with psycopg.connect(db) as older, psycopg.connect(db, autocommit=True) as younger:
        _insert(older, USER_A, "first")  # its transaction stays open
        _insert(younger, USER_A, "second")  # committed
        # The younger change is committed, but a reader taking it now could never send the older one after it.
        assert _after(db, USER_A, "agents", head) == []
        assert _pending(db, USER_A, "agents", head) is True
        older.commit()
    rows = _after(db, USER_A, "agents", head)
    assert [r["agent"] for r in rows] == ["first", "second"]  # by commit horizon: both, the older first
    assert _pending(db, USER_A, "agents", rows[-1]["seq"]) is False
    assert _after(db, USER_A, "agents", rows[-1]["seq"]) == []


def test_a_rolled_back_change_is_never_sent(db: str) -> None:
    head = _heads(db, USER_A)["agents"]
    with psycopg.connect(db) as conn:
        _insert(conn, USER_A, "ghost")
        conn.rollback()
    with psycopg.connect(db, autocommit=True) as conn:
        _insert(conn, USER_A, "real")
    assert [r["agent"] for r in _after(db, USER_A, "agents", head)] == ["real"]


def test_no_api_role_writes_the_changes(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        for role in ("authenticated", "anon", "launchpad_api"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(f"set local role {role}")
                conn.execute("insert into public.agent_changes (agent_id, user_id, name, op)"
                             " values (gen_random_uuid(), %s, 'x', 'insert')", (USER_A,))
