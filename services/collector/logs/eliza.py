"""An elizaOS 1.7.2 log line as level, message and context.

With LOG_JSON_FORMAT=true (the agents' pods set it, launchpad/workloads/pod.py) the core logger (adze, bundled
in @elizaos/core) writes one JSON object per call: `levelName` (alert, error, warn, info, fail, success, log,
debug, verbose), `msg` (the first argument: a string, or an object), `args` (the rest, secrets' keys already
`[REDACTED]` by the logger's fast-redact), `namespace` (["<character name>"] for runtime loggers), `time` (to
the second; the runtime's timestamp on the line is finer and is the one stored), `pid` (a per-process log
sequence number), `meta` and `hostname`. Some lines are not JSON even then (the start banner, plugins'
console output, a crash's stack): they are kept as text, the level taken from the stream (stderr: error).
Facts: /work/notes/eliza.md, A2."""

from __future__ import annotations

import json
import re
from typing import Any

LEVELS = {
    "alert": "fatal", "fatal": "fatal", "error": "error", "fail": "error", "warn": "warn", "info": "info",
    "success": "info", "log": "info", "debug": "debug", "verbose": "debug", "trace": "debug",
}  # fmt: skip
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
MAX_MESSAGE = 8192  # characters; longer messages are cut (context.truncated says how long they were)


def parse(body: str, stream: str) -> tuple[str, str, dict[str, Any]]:
    level, message, context = _parse(body, stream)
    if _unstorable(body):
        message, context = _clean(message), _clean(context)
    return level, message, context


def _unstorable(body: str) -> bool:
    """Whether the line may hold what Postgres cannot store: NUL (in text or as jsonb's \\u0000) or a lone UTF-16
    surrogate (a JSON escape; no UTF-8 encodes it). Either would fail the whole group commit of the line's batch
    on every resend. Checked on the raw line so that the common line pays one scan in C."""
    if not body.isascii():
        try:
            body.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate itself
            return True
    return "\x00" in body or "\\u0000" in body or "\\ud" in body or "\\uD" in body


def _clean(value: Any) -> Any:
    """NUL and lone surrogates replaced by U+FFFD, everywhere in a message or context."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _parse(body: str, stream: str) -> tuple[str, str, dict[str, Any]]:
    text = body.rstrip("\r\n")
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict) and "msg" in record and ("levelName" in record or "level" in record):
            return _from_json(record)
    level = "error" if stream == "stderr" else "info"
    context: dict[str, Any] = {}
    return level, _cut(_ANSI.sub("", text), context), context


def _from_json(record: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    level = LEVELS.get(str(record.get("levelName", "")).lower(), "info")
    msg = record.get("msg")
    context: dict[str, Any] = {}
    message = msg if isinstance(msg, str) else json.dumps(msg, separators=(",", ":"))
    args = record.get("args")
    if args:
        context["args"] = args
    namespace = record.get("namespace")
    if isinstance(namespace, list) and namespace:
        context["character"] = namespace[0]
    return level, _cut(message, context), context


def _cut(message: str, context: dict[str, Any]) -> str:
    if len(message) > MAX_MESSAGE:
        context["truncated"] = len(message)
        return message[:MAX_MESSAGE]
    return message
