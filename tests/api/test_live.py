"""The owner's live view, on both databases: the control plane's Server-Sent Events and the logs and metrics
endpoints over what the collector writes (written here through the collector's own repository, as its role).
Two users watch at once: each receives exactly their own agents' status, logs, metrics and alerts, within
seconds; a client that reconnects with its Last-Event-ID gets exactly what it missed; one listener serves
every client of the process."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import uvicorn

from launchpad.db.repository.telemetry.alerts import upsert_alerts
from launchpad.db.repository.telemetry.health import apply_observations
from launchpad.db.repository.telemetry.logs import copy_logs
from launchpad.db.repository.telemetry.metrics import copy_metrics
from launchpad.db.repository.telemetry.types import AgentRef, AlertNotice, LogLine, MetricSample, Observation
from launchpad.sealed import new_key, parse_keyring
from services.api.app import create_app
from services.api.events import views as event_views
from services.api.ratelimit import RateLimits
from tests.api import supabase_auth as auth
from tests.api.conftest import KINDS, USER_A, USER_B, _database, make_config
from tests.api.sse_client import SseClient
from tests.collector.promlab import free_port
from tests.db.telemetry_seed import role_url

pytestmark = pytest.mark.postgres
WITHIN = 5.0


class Live:
    def __init__(self, base: str, owner_url: str, key: auth.SigningKey, refs: dict[str, AgentRef]) -> None:
        self.base, self.owner_url, self.key, self.refs = base, owner_url, key, refs

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {auth.mint(auth.claims(user), self.key)}", **extra}

    def stream(self, user: str, path: str = "/api/events", **extra: str) -> SseClient:
        return SseClient(self.base + path, self.headers(user, **extra))

    def collector(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(role_url(self.owner_url, "launchpad_collector"), autocommit=True)


@pytest.fixture(scope="module", params=KINDS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    monkey = pytest.MonkeyPatch()
    monkey.setattr(event_views, "KEEPALIVE_SECONDS", 0.5)  # a closed client is noticed at the next keepalive
    for cluster, name in _database(request, request.param, register_git=False):
        refs = {}
        with psycopg.connect(cluster.url(name), autocommit=True) as conn:
            for user, agent in ((USER_A, "alpha"), (USER_B, "beta"), (USER_A, "gamma")):
                row = conn.execute(
                    "insert into public.agents (user_id, name, namespace, image) values"
                    " (%s, %s, 'tenant-t1', 'img') returning id::text", (user, agent),
                ).fetchone()  # fmt: skip
                assert row is not None
                refs[agent] = AgentRef(str(row[0]), user, agent, "tenant-t1")
        jwks = auth.JwksServer([auth.es256_key()])
        agents_dir = tmp_path_factory.mktemp("agents")
        config = make_config(cluster.server.url_for("launchpad_api", name), jwks.url, parse_keyring(new_key()),
                             agents_dir)  # fmt: skip
        app = create_app(config, rates=RateLimits(10_000, 10_000, 10_000))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield Live(f"http://127.0.0.1:{port}", cluster.url(name), jwks.keys[0], refs)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            jwks.stop()
    monkey.undo()


def _write_everything(live: Live, ref: AgentRef, tag: str, health: str = "running") -> None:
    """One of each: a health transition (a changed reason alone is none), a log line, a metric, an alert."""
    now = datetime.now(UTC)
    with live.collector() as conn:
        observation = Observation(ref, health, 1, int(health == "running"), 0, f"{tag} ready", now)
        apply_observations(conn, [observation], scope=tag, versions={})
        copy_logs(conn, [LogLine(str(uuid.uuid4()), ref, "warn", f"{tag} log", {"pod": "p"}, now)])
        copy_metrics(conn, [MetricSample(ref, "cpu_cores", 0.25, now)])
        upsert_alerts(conn, [AlertNotice(uuid.uuid4().hex[:16], "firing", "AgentDown", "critical", ref.namespace,
                                         ref.name, f"{tag} alert", "", now - timedelta(seconds=1), None)])  # fmt: skip


def test_each_user_receives_their_own_events_and_nothing_else(live: Live) -> None:
    a, b, a_alpha = live.stream(USER_A), live.stream(USER_B), live.stream(USER_A, "/api/agents/alpha/events")
    try:
        assert (a.status, b.status, a_alpha.status) == (200, 200, 200)
        time.sleep(0.3)
        started = time.monotonic()
        _write_everything(live, live.refs["alpha"], "tag-a1")
        _write_everything(live, live.refs["beta"], "tag-b2")
        _write_everything(live, live.refs["gamma"], "tag-a3")
        got_a = a.take(8, timeout=WITHIN)
        delay = time.monotonic() - started
        got_b = b.take(4, timeout=WITHIN)
        got_alpha = a_alpha.take(4, timeout=WITHIN)
        assert sorted((e, d["agent"]) for _, e, d in got_a) == sorted(
            [(kind, agent) for kind in ("status", "log", "metric", "alert") for agent in ("alpha", "gamma")])
        assert sorted(e for _, e, _ in got_b) == ["alert", "log", "metric", "status"]
        assert {d["agent"] for _, _, d in got_b} == {"beta"}
        assert {d["agent"] for _, _, d in got_alpha} == {"alpha"} and len(got_alpha) == 4
        assert delay < WITHIN
        status = next(d for _, e, d in got_b if e == "status")
        assert (status["health"], status["reason"], status["replicas_ready"]) == ("running", "tag-b2 ready", 1)
        assert a.quiet(1.0) == [] and b.quiet(0.2) == []  # and nothing of the others' afterwards
        assert "tag-a" not in str(got_b) and "tag-b" not in str(got_a)
    finally:
        for client in (a, b, a_alpha):
            client.close()


def test_a_client_resumes_with_its_last_event_id(live: Live) -> None:
    first = live.stream(USER_A, "/api/agents/alpha/events")
    try:
        _write_everything(live, live.refs["alpha"], "before", "degraded")
        seen = first.take(4, timeout=WITHIN)
        assert len(seen) == 4
        last_id = seen[-1][0]
    finally:
        first.close()
    _write_everything(live, live.refs["alpha"], "missed", "pending")  # while disconnected
    second = live.stream(USER_A, "/api/agents/alpha/events", **{"Last-Event-ID": last_id})
    try:
        missed = second.take(4, timeout=WITHIN)
        assert sorted(e for _, e, _ in missed) == ["alert", "log", "metric", "status"]
        texts = {d.get("message") or d.get("reason") for _, e, d in missed if e in ("log", "status", "alert")}
        assert texts == {"missed log", "missed ready", "missed alert"}
        assert second.quiet(1.0) == []  # nothing twice
    finally:
        second.close()


def test_a_malformed_last_event_id_and_another_users_agent_are_refused(live: Live) -> None:
    import httpx2 as httpx

    bad = httpx.get(f"{live.base}/api/events", headers=live.headers(USER_A, **{"Last-Event-ID": "nope"}))
    assert bad.status_code == 400
    other = httpx.get(f"{live.base}/api/agents/beta/events", headers=live.headers(USER_A))
    assert other.status_code == 404


def test_logs_and_metrics_pages(live: Live) -> None:
    import httpx2 as httpx

    ref = live.refs["gamma"]
    now = datetime.now(UTC)
    lines = [LogLine(str(uuid.uuid4()), ref, level, f"{level} {i}", {}, now - timedelta(seconds=i))
             for i, level in enumerate(["debug", "info", "warn", "error", "fatal"] * 5)]  # fmt: skip
    with live.collector() as conn:
        copy_logs(conn, lines)
        copy_metrics(conn, [MetricSample(ref, n, 1.0, now - timedelta(minutes=m))
                            for m in range(3) for n in ("cpu_cores", "restarts")])  # fmt: skip
    headers = live.headers(USER_A)
    page = httpx.get(f"{live.base}/api/agents/gamma/logs", params={"level": "error", "limit": 4}, headers=headers)
    assert page.status_code == 200, page.text
    body: dict[str, Any] = page.json()
    assert [line["level"] for line in body["logs"]] == ["error", "fatal", "error", "fatal"]
    params = {"level": "error", "limit": 100, "cursor": body["next"]}
    rest = httpx.get(f"{live.base}/api/agents/gamma/logs", params=params, headers=headers).json()
    assert len(body["logs"]) + len(rest["logs"]) == 10 and rest["next"] is None
    recent = httpx.get(f"{live.base}/api/agents/gamma/logs", params={"since": "3s"}, headers=headers).json()
    assert 0 < len(recent["logs"]) <= 4
    metrics = httpx.get(f"{live.base}/api/agents/gamma/metrics", params={"metric": "restarts", "since": "10m"},
                        headers=headers).json()  # fmt: skip
    assert [m["name"] for m in metrics["metrics"]] == ["restarts"] * 3
    for path in ("logs", "metrics"):
        hidden = httpx.get(f"{live.base}/api/agents/gamma/{path}", headers=live.headers(USER_B))
        nobody = httpx.get(f"{live.base}/api/agents/no-such-agent/{path}", headers=live.headers(USER_B))
        assert hidden.status_code == nobody.status_code == 404
        assert hidden.json()["error"]["message"].replace("gamma", "X") == nobody.json()["error"]["message"].replace(
            "no-such-agent", "X")
    wrong = httpx.get(f"{live.base}/api/agents/gamma/logs", params={"since": "yesterday"}, headers=headers)
    assert wrong.status_code == 400
