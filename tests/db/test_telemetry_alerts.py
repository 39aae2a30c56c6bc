"""system_alerts from Alertmanager notifications: one row per incident however often it is delivered,
resolved and acknowledged kept, linked to the agent's owner, and unmatched alerts counted, not stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from launchpad.db.repository.telemetry.alerts import AlertsWritten, upsert_alerts
from launchpad.db.repository.telemetry.types import AlertNotice
from tests.db.telemetry_seed import ALPHA, USER_A, USER_B, as_user, collector, seed

pytestmark = pytest.mark.postgres
START = datetime(2026, 12, 7, 4, 29, 1, tzinfo=UTC)
FIRING = AlertNotice("73c6064526d1c8a8", "firing", "AgentDown", "critical", ALPHA.namespace, ALPHA.name,
                     "Agent alpha has no available replica", "kubectl ...", START, None,
                     {"alertname": "AgentDown", "agent": "alpha"})  # fmt: skip
RESOLVED = replace(FIRING, status="resolved", ends_at=START + timedelta(minutes=5))


def _rows(conn: psycopg.Connection[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return conn.execute(
        "select user_id::text, agent_id::text, status, severity, resolved_at from public.system_alerts"
    ).fetchall()


def test_an_incident_is_one_row_from_firing_to_resolved(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    with collector(any_migrated_url) as conn:
        assert upsert_alerts(conn, [FIRING]) == AlertsWritten(1, 1, 1)
        assert upsert_alerts(conn, [FIRING]) == AlertsWritten(1, 1, 0)  # repeat_interval: nothing changes
        assert _rows(conn) == [(USER_A, ALPHA.id, "open", "critical", None)]
        with psycopg.connect(any_migrated_url) as owner, owner.transaction():  # the owner acknowledges it
            owner.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{USER_A}"}}',))
            owner.execute("set local role authenticated")
            assert owner.execute("update public.system_alerts set status = 'acknowledged'").rowcount == 1
        assert upsert_alerts(conn, [FIRING]) == AlertsWritten(1, 1, 0)  # the owner's acknowledgement stays
        assert _rows(conn)[0][2] == "acknowledged"
        assert upsert_alerts(conn, [RESOLVED]) == AlertsWritten(1, 1, 1)
        assert upsert_alerts(conn, [FIRING]) == AlertsWritten(1, 1, 0)  # a stale retry does not reopen it
        assert _rows(conn) == [(USER_A, ALPHA.id, "resolved", "critical", RESOLVED.ends_at)]
        # the same alert firing again later is a new incident
        assert upsert_alerts(conn, [replace(FIRING, starts_at=START + timedelta(hours=1))]).changed == 1
        assert len(_rows(conn)) == 2


def test_alerts_about_no_registered_agent_are_counted_not_stored(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    storm = replace(FIRING, fingerprint="0123456789abcdef", alertname="AgentRestartStorm", agent="*", namespace="")
    other_ns = replace(FIRING, fingerprint="fedcba9876543210", namespace="tenant-elsewhere")
    with collector(any_migrated_url) as conn:
        assert upsert_alerts(conn, [storm, other_ns, FIRING]) == AlertsWritten(3, 1, 1)


def test_only_the_owner_sees_the_alert(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    with collector(any_migrated_url) as conn:
        upsert_alerts(conn, [FIRING])
    with psycopg.connect(any_migrated_url) as conn:
        with as_user(conn, USER_A):
            assert conn.execute("select title from public.system_alerts").fetchall() == [("AgentDown",)]
        with as_user(conn, USER_B):
            assert conn.execute("select title from public.system_alerts").fetchall() == []
