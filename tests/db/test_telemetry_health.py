"""Observed health: rows and transitions written by the collector's role, idempotent, read back by owners
under row-level security only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from launchpad.db.repository.telemetry.health import apply_observations
from launchpad.db.repository.telemetry.state import read_state
from launchpad.db.repository.telemetry.types import Observation
from tests.db.telemetry_seed import ALPHA, BETA, USER_A, USER_B, as_user, collector, seed

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _obs(ref=ALPHA, health="running", desired=1, ready=1, restarts=0, reason="1/1 replicas ready", at=T0):  # type: ignore[no-untyped-def]
    return Observation(ref, health, desired, ready, restarts, reason, at)


def _events(conn: psycopg.Connection[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return conn.execute(
        "select kind, previous_health, health, replicas_desired, replicas_ready, restarts from public.agent_events"
        " order by id"
    ).fetchall()


def test_a_transition_is_recorded_once_and_the_same_observation_again_changes_nothing(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    with collector(any_migrated_url) as conn:
        assert apply_observations(conn, [_obs(health="pending", ready=0, reason="waiting")], scope="s",
                                  versions={"pods": "10"}) == (1, 1)  # fmt: skip
        assert apply_observations(conn, [_obs()], scope="s", versions={"pods": "11"}) == (1, 1)
        # a restarted collector observing the same state: nothing changes, nothing is recorded
        assert apply_observations(conn, [_obs(at=T0 + timedelta(minutes=1))], scope="s", versions={}) == (0, 0)
        # same health, more replicas: a 'replicas' event; a new reason alone: the row, no event
        assert apply_observations(conn, [_obs(desired=2, ready=2)], scope="s", versions={}) == (1, 1)
        assert apply_observations(conn, [_obs(desired=2, ready=2, reason="other words")], scope="s",
                                  versions={}) == (1, 0)  # fmt: skip
        assert _events(conn) == [
            ("health", None, "pending", 1, 0, 0),
            ("health", "pending", "running", 1, 1, 0),
            ("replicas", "running", "running", 2, 2, 0),
        ]
        assert read_state(conn, "s") == {"pods": "11"}
        row = conn.execute("select health, health_changed_at, health_reason from public.agent_health").fetchone()
        assert row == ("running", T0, "other words")  # changed_at is when the health last changed


def test_an_agent_deleted_meanwhile_is_skipped(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    with psycopg.connect(any_migrated_url, autocommit=True) as owner:
        owner.execute("delete from public.agents where id = %s", (BETA.id,))
    with collector(any_migrated_url) as conn:
        assert apply_observations(conn, [_obs(), _obs(ref=BETA)], scope="s", versions={}) == (1, 1)


def test_owners_read_their_own_health_and_events_and_cannot_write_them(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    with collector(any_migrated_url) as conn:
        apply_observations(conn, [_obs(), _obs(ref=BETA, health="crash-looping")], scope="s", versions={})
    with psycopg.connect(any_migrated_url) as conn:
        for user, ref in ((USER_A, ALPHA), (USER_B, BETA)):
            with as_user(conn, user):
                assert conn.execute("select agent_id::text from public.agent_health").fetchall() == [(ref.id,)]
                assert conn.execute("select agent_id::text from public.agent_events").fetchall() == [(ref.id,)]
            for statement in ("update public.agent_health set health = 'running'",
                              "delete from public.agent_events",
                              "select * from launchpad_private.collector_state"):  # fmt: skip
                with as_user(conn, user), pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement.encode())


def test_the_collector_role_reads_no_more_of_the_registry_than_it_needs(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    with collector(any_migrated_url) as conn:
        assert len(conn.execute("select id, user_id, name, namespace from public.agents").fetchall()) == 2
        for statement in ("select character from public.agents", "select * from public.agent_secrets",
                          "update public.agents set replicas = 2", "delete from public.agent_logs"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement.encode())
