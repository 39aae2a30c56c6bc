"""Alerts from a real Alertmanager (Debian's 0.25) through its webhook, with a bearer token, into
system_alerts: firing then resolved as one row per incident, linked to the agent and visible to its owner
only; a receiver without the token gets nothing in."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from services.collector.config import CollectorConfig
from tests.collector.harness import owner_of, register_fleet, running_collector
from tests.collector.promlab import alertmanager
from tests.db.telemetry_seed import as_user, role_url

pytestmark = pytest.mark.postgres
TOKEN = "alert-webhook-token"


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _post(base: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(f"{base}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def _alert(agent: str, namespace: str, tenant: str, ends: datetime) -> dict[str, Any]:
    return {
        "labels": {"alertname": "AgentDown", "agent": agent, "namespace": namespace, "tenant": tenant,
                   "severity": "critical", "fleet": "test"},
        "annotations": {"summary": f"Agent {agent} has no available replica", "runbook": "kubectl -n ..."},
        "startsAt": _iso(datetime.now(UTC) - timedelta(minutes=1)), "endsAt": _iso(ends),
    }  # fmt: skip


def _wait_rows(url: str, want: list[str], timeout: float = 20) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + timeout
    rows: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            rows = conn.execute("select status, fingerprint, title, message, user_id::text from public.system_alerts"
                                " order by created_at").fetchall()  # fmt: skip
        if [r[0] for r in rows] == want:
            return rows
        time.sleep(0.2)
    pytest.fail(f"system_alerts is {rows}, waited for statuses {want}")


def test_firing_then_resolved_through_a_real_alertmanager(telemetry_url: str, tmp_path: Path) -> None:
    register_fleet(telemetry_url, 10)
    config = CollectorConfig(role_url(telemetry_url, "launchpad_collector"), kubernetes=False, token=TOKEN)
    with running_collector(config) as (base, _):
        # without the token, nothing gets in
        request = urllib.request.Request(f"{base}/alerts", data=b'{"alerts": []}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 401
        with alertmanager(tmp_path, f"{base}/alerts", TOKEN) as am:
            firing = _alert("agent-0007", "tenant-t07", "t07", datetime.now(UTC) + timedelta(minutes=5))
            unknown = _alert("agent-9999", "tenant-t07", "t07", datetime.now(UTC) + timedelta(minutes=5))
            _post(am, [firing, unknown])
            (row,) = _wait_rows(telemetry_url, ["open"])
            assert row[2:] == ("AgentDown", "Agent agent-0007 has no available replica\nRunbook: kubectl -n ...",
                               owner_of(7))  # fmt: skip
            fingerprint = row[1]
            _post(am, [firing | {"endsAt": _iso(datetime.now(UTC) - timedelta(seconds=1))}])
            (resolved,) = _wait_rows(telemetry_url, ["resolved"])
            assert resolved[1] == fingerprint  # the same incident, closed
    with psycopg.connect(telemetry_url) as conn:
        with as_user(conn, owner_of(7)):
            assert conn.execute("select count(*) from public.system_alerts").fetchone() == (1,)
        with as_user(conn, owner_of(8)):
            assert conn.execute("select count(*) from public.system_alerts").fetchone() == (0,)
