"""Metrics and logs as the collector writes them: COPY, a delivery twice stored once, a day without a
partition made on demand (the clock a month ahead), retention, and one NOTIFY per statement naming owners."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from launchpad.db.repository.telemetry.logs import copy_logs
from launchpad.db.repository.telemetry.metrics import copy_metrics
from launchpad.db.repository.telemetry.partitions import Retention, maintain
from launchpad.db.repository.telemetry.types import LogLine, MetricSample
from tests.db.telemetry_seed import ALPHA, BETA, USER_A, USER_B, as_user, collector, seed

pytestmark = pytest.mark.postgres


def _line(ref=ALPHA, text="hello", at=None):  # type: ignore[no-untyped-def]
    at = at or datetime.now(UTC)
    return LogLine(str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ref.id}{text}{at}")), ref, "info", text, {"pod": "p"}, at)


def test_a_batch_delivered_twice_is_stored_once_in_log_time_order(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    now = datetime.now(UTC)
    lines = [_line(text=f"line {i}", at=now + timedelta(milliseconds=10 - i)) for i in range(10)]
    with collector(any_migrated_url) as conn:
        assert copy_logs(conn, lines) == 10
        assert copy_logs(conn, [*lines[:5], _line(text="new")]) == 1
        rows = conn.execute("select message from public.agent_logs order by seq").fetchall()
    assert [r[0] for r in rows] == [f"line {i}" for i in range(9, -1, -1)] + ["new"]


def test_writes_a_month_ahead_land_and_retention_drops_what_is_past(any_migrated_url: str) -> None:
    """The clock jumps a month: nothing made that day's partitions, and the writes still land."""
    seed(any_migrated_url)
    later = datetime.now(UTC) + timedelta(days=31)
    with collector(any_migrated_url) as conn:
        assert copy_metrics(conn, [MetricSample(ALPHA, "cpu_cores", 0.5, later)]) == 1
        assert copy_logs(conn, [_line(at=later)]) == 1
        # the leader's upkeep at that time: today's and a week ahead made, the month-old days dropped
        done = maintain(conn, later, ahead_days=7, retention=Retention(metrics=timedelta(days=14)))
        assert any(name.startswith("public.agent_metrics_p") for name in done.dropped)
        assert done.created >= 2 * 7
        days = {
            str(r[0]) for r in conn.execute(
                "select inhrelid::regclass::text from pg_inherits where inhparent = 'public.agent_logs'::regclass"
            )
        }  # fmt: skip
        assert f"agent_logs_p{(later + timedelta(days=7)).strftime('%Y%m%d')}" in days
        assert f"agent_logs_p{datetime.now(UTC).strftime('%Y%m%d')}" not in days  # logs keep 7 days
        assert conn.execute("select count(*) from public.agent_metrics").fetchone() == (1,)
        assert conn.execute("select count(*) from public.agent_logs").fetchone() == (1,)


def test_one_notification_per_statement_names_the_owners_it_wrote_for(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    now = datetime.now(UTC)
    with psycopg.connect(any_migrated_url, autocommit=True) as listener, collector(any_migrated_url) as conn:
        listener.execute("listen launchpad_live")
        copy_logs(conn, [_line(text=f"a{i}") for i in range(50)] + [_line(ref=BETA, text="b")])
        copy_metrics(conn, [MetricSample(ALPHA, "cpu_cores", 1.0, now)])
        got = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=2)]
    assert [(g["t"], sorted(g["u"])) for g in got] == [("logs", sorted([USER_A, USER_B])), ("metrics", [USER_A])]
    assert got[0]["s"] >= 51


def test_owners_read_only_their_own_series(any_migrated_url: str) -> None:
    seed(any_migrated_url)
    now = datetime.now(UTC)
    with collector(any_migrated_url) as conn:
        copy_logs(conn, [_line(), _line(ref=BETA)])
        copy_metrics(conn, [MetricSample(ALPHA, "cpu_cores", 1.0, now), MetricSample(BETA, "cpu_cores", 2.0, now)])
    with psycopg.connect(any_migrated_url) as conn:
        for user, ref in ((USER_A, ALPHA), (USER_B, BETA)):
            with as_user(conn, user):
                for table in ("agent_logs", "agent_metrics"):
                    seen = conn.execute(f"select distinct agent_id::text from public.{table}").fetchall()
                    assert seen == [(ref.id,)]
