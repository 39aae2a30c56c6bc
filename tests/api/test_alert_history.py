"""An agent's alert history (GET /api/agents/{name}/alerts, for the dashboard's agent page), on both databases:
one entry per incident as the collector stores Alertmanager's notifications, newest first, paged by cursor;
another user meets the same 404 as for a name nobody has. And the log lines' `seq`, the position the live
stream's ids carry, so a client merging both shows each line once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from launchpad.db.repository.telemetry.alerts import upsert_alerts
from launchpad.db.repository.telemetry.logs import copy_logs
from launchpad.db.repository.telemetry.types import AgentRef, AlertNotice, LogLine
from tests.api.conftest import USER_A, USER_B, Api, unique
from tests.db.telemetry_seed import role_url

pytestmark = pytest.mark.postgres


def _ref(api: Api, name: str) -> AgentRef:
    with api.owner() as conn:
        row = conn.execute("select id::text, user_id::text, namespace from public.agents where name = %s",
                           (name,)).fetchone()
    assert row is not None
    return AgentRef(str(row[0]), str(row[1]), name, str(row[2]))


def test_the_alert_history_is_the_owners_only(api: Api) -> None:
    name = unique("alerting")
    api.create(USER_A, name)
    ref = _ref(api, name)
    start = datetime.now(UTC) - timedelta(minutes=30)
    notices = [AlertNotice(f"{i:016x}", "firing", "AgentDown", "critical", ref.namespace, name,
                           f"{name} is down ({i})", "", start + timedelta(minutes=i), None) for i in range(3)]
    with psycopg.connect(role_url(api.owner_url, "launchpad_collector"), autocommit=True) as conn:
        upsert_alerts(conn, notices)
        resolved = AlertNotice(notices[0].fingerprint, "resolved", "AgentDown", "critical", ref.namespace, name,
                               notices[0].summary, "", notices[0].starts_at, start + timedelta(minutes=5))
        upsert_alerts(conn, [resolved])
    page = api.client.get(f"/api/agents/{name}/alerts?limit=2", headers=api.as_user(USER_A))
    assert page.status_code == 200, page.text
    body = page.json()
    assert [a["message"].splitlines()[0] for a in body["alerts"]] == [f"{name} is down (2)", f"{name} is down (1)"]
    assert {a["status"] for a in body["alerts"]} == {"open"} and body["next"]
    rest = api.client.get(f"/api/agents/{name}/alerts", params={"limit": 2, "cursor": body["next"]},
                          headers=api.as_user(USER_A))
    (oldest,) = rest.json()["alerts"]
    assert oldest["status"] == "resolved" and oldest["resolvedAt"] is not None and oldest["severity"] == "critical"
    assert rest.json()["next"] is None
    theirs = api.client.get(f"/api/agents/{name}/alerts", headers=api.as_user(USER_B))
    nobody = api.client.get("/api/agents/no-such-agent/alerts", headers=api.as_user(USER_B))
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json()["error"]["message"] == f"no agent named {name!r}"


def test_log_lines_carry_their_stream_position(api: Api) -> None:
    name = unique("logging")
    api.create(USER_A, name)
    ref, now = _ref(api, name), datetime.now(UTC)
    with psycopg.connect(role_url(api.owner_url, "launchpad_collector"), autocommit=True) as conn:
        copy_logs(conn, [LogLine(str(uuid.uuid4()), ref, "info", f"line {i}", {}, now + timedelta(milliseconds=i))
                         for i in range(3)])
        seqs = [r[0] for r in conn.execute("select seq from public.agent_logs where agent_id = %s order by seq",
                                           (ref.id,)).fetchall()]
    logs = api.client.get(f"/api/agents/{name}/logs", headers=api.as_user(USER_A)).json()["logs"]
    assert [(line["seq"], line["message"]) for line in logs] == list(zip(reversed(seqs), ["line 2", "line 1",
                                                                                          "line 0"], strict=True))
