"""elizaOS log lines into level, message and context; secrets redacted; budgets; OTLP records."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import replace

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from services.collector.logs import eliza
from services.collector.logs.budget import WINDOW_SECONDS, LogBudget
from services.collector.logs.otlp import NotOtlp, RawLine, decode, records
from services.collector.logs.redact import Redactor
from services.collector.logs.service import deployment_of_pod, line_id, written_at

# A line as adze (bundled in @elizaos/core 1.7.2) writes it with LOG_JSON_FORMAT=true (/work/notes/eliza.md A2).
JSON_LINE = (
    '{"v":1,"level":3,"levelName":"info","name":"elizaos","hostname":"vm","msg":"Initialized","args":'
    '[{"src":"agent","agentId":"aaaa-1111","agentName":"Alice"}],"pid":1,"time":"2026-12-07T04:23:41+00:00",'
    '"meta":{"pid":26449,"environment":"development","serverId":"1804c226"},"namespace":["Alice"]}'
)


def test_json_lines_keep_level_message_and_context() -> None:
    level, message, context = eliza.parse(JSON_LINE, "stdout")
    assert (level, message) == ("info", "Initialized")
    assert context == {"args": [{"src": "agent", "agentId": "aaaa-1111", "agentName": "Alice"}], "character": "Alice"}
    alert = json.loads(JSON_LINE) | {"levelName": "alert", "msg": {"error": "boom"}}
    assert eliza.parse(json.dumps(alert), "stderr")[:2] == ("fatal", '{"error":"boom"}')


def test_other_lines_are_text_with_the_streams_level() -> None:
    assert eliza.parse("\x1b[32mStartup successful!\x1b[0m\n", "stdout") == ("info", "Startup successful!", {})
    assert eliza.parse("    at Object.<anonymous> (/app/x.js:1:1)", "stderr")[0] == "error"
    assert eliza.parse("{not json", "stdout") == ("info", "{not json", {})
    _, message, context = eliza.parse("x" * 10_000, "stdout")
    assert len(message) == eliza.MAX_MESSAGE and context == {"truncated": 10_000}


def test_secret_values_are_redacted_wherever_they_appear() -> None:
    redactor = Redactor({
        "OPENAI_API_KEY": "sk-test-1234567890",
        "POSTGRES_URL": "postgresql://app:s3cr%21t@db:5432/app",
        "PIN": "4242",
        "X": "ab",  # too short to look for
    })  # fmt: skip
    assert redactor.text("using key sk-test-1234567890!") == "using key [redacted:OPENAI_API_KEY]!"
    assert redactor.text("url postgresql://app:s3cr%21t@db:5432/app") == "url [redacted:POSTGRES_URL]"
    both = "password [redacted:POSTGRES_URL] and [redacted:POSTGRES_URL]"
    assert redactor.text("password s3cr!t and s3cr%21t") == both
    assert redactor.text("pin 4242, not 424242") == "pin [redacted:PIN], not 424242"  # short: whole words only
    assert redactor.text("ab cab") == "ab cab"
    nested = redactor.value({"args": [{"key": "sk-test-1234567890"}], "n": 3})
    assert nested == {"args": [{"key": "[redacted:OPENAI_API_KEY]"}], "n": 3}
    assert not Redactor({}) and Redactor({}).text("sk-test") == "sk-test"


def test_a_chatty_agent_is_held_to_its_budget_and_told_so() -> None:
    budget = LogBudget(rate=10, burst=20)  # 20 lines per 2 s of the agent's output
    taken = sum(budget.take("chatty", at=100.0, arrived=5.0) is not None for _ in range(100))
    assert taken == 20  # the burst
    assert sum(budget.take("quiet", at=100.0, arrived=5.0) is not None for _ in range(5)) == 5  # others unaffected
    assert sum(budget.take("chatty", at=101.5, arrived=5.0) is not None for _ in range(100)) == 0  # same window
    assert sum(budget.take("chatty", at=102.0, arrived=5.0) is not None for _ in range(100)) == 20  # the next one
    assert budget.closed_windows(now=5.0 + WINDOW_SECONDS - 1) == []  # one notice per 10 s of drops at most
    assert budget.closed_windows(now=5.0 + WINDOW_SECONDS) == [("chatty", 260, 100.0)]
    assert budget.closed_windows(now=200.0) == []


def _kept(budget: LogBudget, agent: str, times: list[float]) -> int:
    return sum(budget.take(agent, at) is not None for at in times)


def test_a_backlog_is_judged_by_when_its_lines_were_written_in_any_order() -> None:
    """After a collector outage the shipper delivers minutes of lines at once, from several consumers and with
    retries, so out of order: an agent that wrote 45 lines a second (under its 50/s) loses none of them; one
    that wrote 200/s keeps 500 per 10 s of its output, whatever the order."""
    steady = [1000.0 + i / 45 for i in range(45 * 120)]
    batches = [steady[i : i + 1000] for i in range(0, len(steady), 1000)]
    shuffled = [t for pair in zip(batches[1::2], batches[0::2], strict=False) for batch in pair for t in batch]
    shuffled += batches[-1] if len(batches) % 2 else []
    assert sorted(shuffled) == steady
    assert _kept(LogBudget(rate=50, burst=500), "steady", shuffled) == len(steady)
    chatty = [1000.0 + i / 200 for i in range(200 * 120)]
    assert _kept(LogBudget(rate=50, burst=500), "chatty", chatty) == 500 * 12
    assert _kept(LogBudget(rate=50, burst=500), "chatty", chatty[::-1]) == 500 * 12


def test_lines_that_were_not_stored_are_not_charged_twice() -> None:
    """A failed commit gives the whole charge back, however many lines the batch held (a 4,800-line backlog)."""
    budget = LogBudget(rate=50, burst=500)
    backlog = [1000.0 + i / 40 for i in range(40 * 120)]
    charged = Counter(w for w in (budget.take("a", at) for at in backlog) if w is not None)
    assert charged.total() == 4800
    budget.refund(charged)  # the batch failed; the shipper sends it again
    assert _kept(budget, "a", backlog) == 4800
    assert _kept(budget, "a", [1000.0] * 101) == 100  # its first window holds 400 again, not 0 or 800


def test_otlp_json_records_carry_the_pod_stream_and_time() -> None:
    payload = {"resourceLogs": [{
        "resource": {"attributes": [
            {"key": "k8s.namespace.name", "value": {"stringValue": "tenant-t1"}},
            {"key": "k8s.pod.name", "value": {"stringValue": "alpha-7d9f5c6b8-abcde"}},
            {"key": "k8s.pod.uid", "value": {"stringValue": "0f0e"}},
            {"key": "k8s.container.name", "value": {"stringValue": "eliza"}},
            {"key": "k8s.container.restart_count", "value": {"stringValue": "0"}}]},
        "scopeLogs": [{"scope": {}, "logRecords": [
            {"timeUnixNano": "1796617422922000123", "body": {"stringValue": JSON_LINE},
             "attributes": [{"key": "log.iostream", "value": {"stringValue": "stderr"}},
                            {"key": "log.file.record_offset", "value": {"intValue": "512"}}]}]}]}]}  # fmt: skip
    (raw,) = records(payload)
    assert (raw.namespace, raw.pod, raw.container, raw.stream, raw.time_ns, raw.offset) == (
        "tenant-t1", "alpha-7d9f5c6b8-abcde", "eliza", "stderr", 1796617422922000123, "512")  # fmt: skip
    assert deployment_of_pod(raw.pod) == "alpha"
    assert line_id(raw) == line_id(raw) and line_id(raw) != line_id(raw.__class__(**{**raw.__dict__, "offset": "1"}))

    # the shipper sends protobuf: the same request in that encoding gives the same lines, and the same ids
    binary = json_format.ParseDict(payload, ExportLogsServiceRequest()).SerializeToString()
    assert decode(binary, "application/x-protobuf") == [raw] == decode(json.dumps(payload).encode(), "application/json")
    for body, content_type in ((b"\xff\x00garbage", "application/x-protobuf"), (b"[1]", "application/json"),
                               (b'{"resourceLogs": 3}', "application/json")):  # fmt: skip
        with pytest.raises(NotOtlp):
            decode(body, content_type)


def test_the_budget_clock_is_the_lines_own_but_never_ahead_of_now() -> None:
    line = RawLine("ns", "alpha-7d9f5c6b8-abcde", "uid", "eliza", "0", "stdout", 1_796_617_422_500_000_000, "0", "x")
    assert written_at(line) == 1_796_617_422.5
    ahead = replace(line, time_ns=time.time_ns() + 3600 * 10**9)  # a node whose clock ran an hour ahead
    assert written_at(ahead) is not None and written_at(ahead) <= time.time()  # type: ignore[operator]
    assert written_at(replace(line, time_ns=0)) is None  # no time: the budget takes now
