"""The log receiver's promise to the shipper: 200 once the lines are committed, 503 (send again) for anything
else that is not the sender's fault, never a status the shipper would drop the batch on (its otlp_http
exporter retries 429/502/503/504 only; a 500 is dropped data). And the budget does not turn a late delivery
into lost lines: it judges a line by when the agent wrote it, and a batch that was not stored is not charged."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
import pytest
from fastapi.testclient import TestClient

from launchpad.db.repository.telemetry.types import LogLine
from services.collector.config import CollectorConfig
from services.collector.database import Database
from services.collector.directory import AgentDirectory
from services.collector.http import create_app
from services.collector.logs.budget import LogBudget
from services.collector.logs.secrets import SecretValues
from services.collector.logs.service import LogIngest
from services.collector.logs.writer import LogWriter
from services.collector.maintenance import PartitionKeeper
from services.collector.runner import Active, Runner
from tests.db.telemetry_seed import ALPHA, role_url, seed

pytestmark = pytest.mark.postgres
T = TypeVar("T")
POD = f"{ALPHA.name}-5d8f7c9b4-x2x9q"
# an hour ago, on a 10 s boundary (a budget window of 50 lines/s with 500 in reserve): line times are never
# taken later than now, so the lines must be in the past whenever the test runs
START_NS = (time.time_ns() // 10**10 - 360) * 10**10


class FlakyDatabase(Database):
    """The leader's session, failing the log writer's next `failures` commits (a database gone for a moment)."""

    failures = 0

    def run(self, work: Callable[[Any], T]) -> T:
        if self.failures and getattr(work, "__qualname__", "").startswith("LogWriter."):
            self.failures -= 1
            raise psycopg.OperationalError("the database went away")
        return super().run(work)


def otlp(lines: list[tuple[int, str]], pod: str = POD) -> dict[str, Any]:
    """An otlp_http JSON request as the shipper's file_log receiver makes it: (time in ns, text) per line."""
    attrs = [{"key": k, "value": {"stringValue": v}} for k, v in (
        ("k8s.namespace.name", ALPHA.namespace), ("k8s.pod.name", pod), ("k8s.pod.uid", f"uid-{pod}"),
        ("k8s.container.name", "eliza"), ("k8s.container.restart_count", "0"))]  # fmt: skip
    records = [{"timeUnixNano": str(at), "body": {"stringValue": text},
                "attributes": [{"key": "log.file.record_offset", "value": {"intValue": str(i * 100)}}]}
               for i, (at, text) in enumerate(lines)]  # fmt: skip
    return {"resourceLogs": [{"resource": {"attributes": attrs}, "scopeLogs": [{"logRecords": records}]}]}


@contextmanager
def receiver(url: str, budget: LogBudget, agent_of_pod: Callable[[str, str], Any] = lambda ns, pod: None,
             writing: bool = True) -> Iterator[tuple[TestClient, FlakyDatabase, threading.Event]]:  # fmt: skip
    """The collector's HTTP side over a leader's log pipeline (no watches: the fleet counts as listed)."""
    collector_url = role_url(url, "launchpad_collector")
    runner = Runner(CollectorConfig(collector_url))
    with psycopg.connect(collector_url, autocommit=True) as conn:
        db = FlakyDatabase(conn)
        directory, writer, stop = AgentDirectory(db), LogWriter(db), threading.Event()
        ingest = LogIngest(directory, SecretValues(None, None, lambda ns, name: None), writer, budget, agent_of_pod)
        runner.active = Active(db, directory, ingest, writer, None, None, PartitionKeeper(db, runner.config.retention))
        thread = threading.Thread(target=writer.run, args=(stop,), daemon=True)
        thread.start()
        if not writing:  # the leadership ended: the writer has stopped
            stop.set()
            thread.join(5)
        try:
            with TestClient(create_app(runner)) as client:
                yield client, db, stop
        finally:
            stop.set()
            thread.join(5)


def stored(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [str(r[0]) for r in conn.execute("select message from public.agent_logs order by logged_at, message")]


def test_a_backlog_delivered_at_once_is_judged_by_when_it_was_written(telemetry_url: str) -> None:
    """Two minutes of a 40 lines/s agent arrive in one request after an outage: all stored under a 50/s budget
    with 500 in reserve. Two minutes of a 200 lines/s agent: held to the budget, by the lines' own time."""
    seed(telemetry_url)
    with receiver(telemetry_url, LogBudget(rate=50, burst=500)) as (client, _, _):
        steady = [(START_NS + i * 25_000_000, f"steady {i}") for i in range(40 * 120)]
        assert client.post("/v1/logs", json=otlp(steady)).status_code == 200
        assert len(stored(telemetry_url)) == 4800
        chatty = [(START_NS + 200 * 10**9 + i * 5_000_000, f"chatty {i}") for i in range(200 * 120)]
        assert client.post("/v1/logs", json=otlp(chatty)).status_code == 200
    kept = [m for m in stored(telemetry_url) if m.startswith("chatty")]
    assert len(kept) == 500 * 12  # 500 lines per 10 s of its output


def test_a_batch_that_was_not_stored_is_not_charged_again(telemetry_url: str) -> None:
    """The database fails the commit of a 4,800-line backlog (40 lines/s for two minutes): the shipper hears 503,
    sends it again, and all of it is stored: the failed delivery gave its whole charge back."""
    seed(telemetry_url)
    with receiver(telemetry_url, LogBudget(rate=50, burst=500)) as (client, db, _):
        backlog = [(START_NS + i * 25_000_000, f"line {i}") for i in range(40 * 120)]
        db.failures = 1
        refused = client.post("/v1/logs", json=otlp(backlog))
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert client.post("/v1/logs", json=otlp(backlog)).status_code == 200  # the shipper's resend
    assert sorted(stored(telemetry_url)) == sorted(f"line {i}" for i in range(4800))


def test_lines_sent_after_the_leadership_ended_are_refused_at_once(telemetry_url: str) -> None:
    """A request that was already past the leadership check when the leader stopped: its lines would wait for a
    writer that is gone until the server, shutting down, cancelled the request with a 500."""
    seed(telemetry_url)
    with receiver(telemetry_url, LogBudget(rate=50, burst=500), writing=False) as (client, _, _):
        started = time.monotonic()
        refused = client.post("/v1/logs", json=otlp([(START_NS, "too late")]))
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert time.monotonic() - started < 5  # not held until the acknowledgement timeout (20 s)
    assert stored(telemetry_url) == []


def test_a_failure_of_the_collector_is_a_503_never_a_500(telemetry_url: str) -> None:
    seed(telemetry_url)

    def broken(namespace: str, pod: str) -> None:
        raise RuntimeError("a bug of ours")

    with receiver(telemetry_url, LogBudget(rate=50, burst=500), agent_of_pod=broken) as (client, _, _):
        refused = client.post("/v1/logs", json=otlp([(START_NS, "hello")]))
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        malformed = client.post("/v1/logs", json=["not", "a", "request"])
        assert malformed.status_code == 400  # the sender's fault: it is not sent again


def test_what_no_retry_can_fix_is_a_400_and_odd_lines_are_stored_cleaned(telemetry_url: str) -> None:
    seed(telemetry_url)
    with receiver(telemetry_url, LogBudget(rate=50, burst=500)) as (client, _, _):
        for body, headers in (
            (b"[" * 100_000, {"content-type": "application/json"}),  # nested past the parser's recursion
            (b'{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":Infinity}]}]}]}',
             {"content-type": "application/json"}),
            (b"\x1f\x8b\x08\x00garbage", {"content-type": "application/json", "content-encoding": "gzip"}),
            (b"\xff\x00garbage", {"content-type": "application/x-protobuf"}),
        ):  # fmt: skip
            assert client.post("/v1/logs", content=body, headers=headers).status_code == 400, body[:20]
        odd = [(START_NS, '{"levelName":"warn","msg":"nul \\u0000 and lone \\ud800","args":[{"k":"\\u0000"}]}'),
               (START_NS + 10**6, "binary \x00 output"),
               (10**30, "a line from the year 10^12"), (-5, "a line from before 1970")]  # fmt: skip
        assert client.post("/v1/logs", json=otlp(odd)).status_code == 200
    with psycopg.connect(telemetry_url) as conn:
        rows = conn.execute("select message, context->'args', logged_at <= now() from public.agent_logs"
                            " order by seq").fetchall()  # fmt: skip
    assert [r[0] for r in rows] == ["nul \ufffd and lone \ufffd\ufffd\ufffd", "binary \ufffd output",
                                    "a line from the year 10^12", "a line from before 1970"]  # fmt: skip
    assert rows[0][1] == [{"k": "\ufffd"}] and all(r[2] for r in rows)


def test_a_row_the_database_refuses_is_left_out_alone(telemetry_url: str) -> None:
    """A row the database cannot store (here a NUL the ingest would have cleaned) would fail its group commit on
    every resend, and every other request in it: it is left out, the rest stored, every request acknowledged."""
    seed(telemetry_url)
    now = datetime.now(UTC)

    def line(text: str) -> LogLine:
        return LogLine(str(uuid.uuid4()), ALPHA, "info", text, {"pod": POD}, now)

    with psycopg.connect(role_url(telemetry_url, "launchpad_collector"), autocommit=True) as conn:
        writer, stop = LogWriter(Database(conn)), threading.Event()
        requests = [writer.submit([line("one"), line("two")]), writer.submit([line("bad \x00"), line("three")]),
                    writer.submit([line("four")])]  # fmt: skip
        thread = threading.Thread(target=writer.run, args=(stop,), daemon=True)
        thread.start()  # after the submits: the three requests share one group commit
        try:
            assert all(r.done.wait(30) and r.error is None for r in requests)
        finally:
            stop.set()
            thread.join(5)
    assert sorted(stored(telemetry_url)) == ["four", "one", "three", "two"]
    assert writer.stats["rejected"] == 1
