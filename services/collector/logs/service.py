"""Log ingest: OTLP records -> the agent they belong to -> budget -> parsed, redacted LogLines -> the writer.

The agent of a line is the pod's `launchpad.dev/agent` label (the status watch knows every agent pod); a pod
the watch has not seen yet is its Deployment's (pods of a Deployment are named <deployment>-<hash>-<suffix>,
and an agent's Deployment is named after the agent), checked against the registry in that namespace. Only the
agent's own container is stored; a line of a pod that is no agent's, or of an agent without a registry row,
has no owner to show it to and is counted, not stored.

A pack's pod (several agents in one server) is no one agent's: each line goes to the member it names
(packs.py says what is attributable), with `pack` in its context; a line that names no single member is the
pack's, stored once for each member (`attributed: "pack"`) when one user owns every member, and else counted
(`pack_unattributed`) and dropped: a pack may hold several owners' agents, and no line of one owner's agent
may reach another owner. Every line of a pack is redacted of every member's secrets and the server's own."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from launchpad import naming
from launchpad.db.repository.telemetry.types import AgentRef, LogLine
from services.collector.directory import AgentDirectory
from services.collector.logs import eliza
from services.collector.logs.budget import LogBudget, Window
from services.collector.logs.otlp import RawLine
from services.collector.logs.packs import attribute
from services.collector.logs.redact import Redactor
from services.collector.logs.secrets import SecretValues
from services.collector.logs.writer import LogWriter, Pending
from services.collector.status.fleet_state import PackInfo

log = logging.getLogger(__name__)
LINE_IDS = uuid.UUID("8f5e1c62-0c1b-4f0a-9a57-3c1d0f1e7a21")  # uuid5 namespace of log line ids


def line_id(raw: RawLine) -> str:
    """The same line read twice (a retried delivery) gets the same id; two lines never do (the runtime's
    nanosecond timestamp, the file offset and the text together): a 128-bit BLAKE2b of them, as a UUID."""
    key = f"{raw.pod_uid}/{raw.container}/{raw.restart_count}/{raw.stream}/{raw.time_ns}/{raw.offset}/".encode()
    body = raw.body.encode("utf-8", "surrogatepass")  # a lone surrogate (a JSON escape) is text too
    return str(uuid.UUID(bytes=hashlib.blake2b(key + body, digest_size=16, key=LINE_IDS.bytes).digest()))


def _is_json(text: str) -> bool:
    """A value that matched across JSON syntax (one with quotes in it) would break the text: then the
    context is redacted value by value instead."""
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def written_at(raw: RawLine) -> float | None:
    """The runtime's time of the line in Unix seconds (the budget's clock), None when it has none. Never later
    than now: a node whose clock ran ahead would otherwise move the agent's bucket into the future, and its
    lines would earn nothing until the real time caught up."""
    return min(raw.time_ns / 1e9, time.time()) if raw.time_ns else None


@dataclass
class Delivery:
    """One request's lines on their way to the database, and what they were charged against the budget."""

    pending: Pending
    charged: Counter[Window] = field(default_factory=Counter)


def deployment_of_pod(pod: str) -> str:
    """`<deployment>-<pod-template-hash>-<suffix>` -> deployment (a Deployment's pods are named so)."""
    parts = pod.rsplit("-", 2)
    return parts[0] if len(parts) == 3 else pod


class LogIngest:
    def __init__(
        self, directory: AgentDirectory, secrets: SecretValues, writer: LogWriter, budget: LogBudget,
        agent_of_pod: Callable[[str, str], tuple[str, str] | None],
        pack_of_pod: Callable[[str, str], PackInfo | None] = lambda namespace, pod: None,
    ) -> None:  # fmt: skip
        self.directory, self.secrets, self.writer, self.budget = directory, secrets, writer, budget
        self.agent_of_pod, self.pack_of_pod = agent_of_pod, pack_of_pod
        self._refs: dict[str, AgentRef] = {}
        self.stats = {"received": 0, "queued": 0, "dropped_budget": 0, "unowned": 0, "other_containers": 0,
                      "pack_attributed": 0, "pack_shared": 0, "pack_unattributed": 0}  # fmt: skip

    def _agent(self, namespace: str, pod: str) -> AgentRef | None:
        key = self.agent_of_pod(namespace, pod)
        name = key[1] if key else deployment_of_pod(pod)
        return self.directory.get(namespace, name)

    def ingest(self, received: Iterable[RawLine]) -> Delivery:
        charged: Counter[Window] = Counter()
        by_agent: dict[str, tuple[AgentRef, list[RawLine]]] = {}
        by_pack: dict[tuple[str, str], tuple[PackInfo, list[RawLine]]] = {}
        for raw in received:
            self.stats["received"] += 1
            if raw.container and raw.container != naming.CONTAINER_NAME:
                self.stats["other_containers"] += 1
                continue
            own = self.agent_of_pod(raw.namespace, raw.pod)
            pack = self.pack_of_pod(raw.namespace, raw.pod) if own is None else None
            if pack is not None:
                by_pack.setdefault((pack.namespace, pack.name), (pack, []))[1].append(raw)
                continue
            ref = self._agent(raw.namespace, raw.pod)
            if ref is None:
                self.stats["unowned"] += 1
                continue
            window = self.budget.take(ref.id, written_at(raw))
            if window is None:
                self.stats["dropped_budget"] += 1
                continue
            charged[window] += 1
            by_agent.setdefault(ref.id, (ref, []))[1].append(raw)
        lines = []
        for ref, raws in by_agent.values():
            self._refs[ref.id] = ref
            redactor = self.secrets.redactor(ref.namespace, ref.name)
            for raw in raws:
                level, message, context = eliza.parse(raw.body, raw.stream)
                lines.append(self._line(line_id(raw), ref, raw, level, message, context, redactor))
        for pack, raws in by_pack.values():
            lines += self._pack_lines(pack, raws, charged)
        lines += self._drop_notices()
        self.stats["queued"] += len(lines)
        return Delivery(self.writer.submit(lines), charged)

    def failed(self, delivery: Delivery) -> None:
        """The lines were not stored (the shipper will send them again): give back what they were charged."""
        self.budget.refund(delivery.charged)

    def _line(
        self, ident: str, ref: AgentRef, raw: RawLine, level: str, message: str, context: dict[str, Any],
        redactor: Redactor,
    ) -> LogLine:  # fmt: skip
        context["pod"] = raw.pod
        if raw.stream != "stdout":
            context["stream"] = raw.stream
        # serialized once; redacted as text (redact.py looks for JSON-escaped values too)
        text = json.dumps(context, separators=(",", ":"), ensure_ascii=False)
        if redactor:
            message, redacted = redactor.text(message), redactor.text(text)
            if redacted != text:
                text = redacted if _is_json(redacted) else json.dumps(redactor.value(context))
        logged_at = datetime.fromtimestamp(written_at(raw) or time.time(), UTC)  # never in the future
        return LogLine(ident, ref, level, message, text, logged_at)

    def _pack_lines(self, pack: PackInfo, raws: list[RawLine], charged: Counter[Window]) -> list[LogLine]:
        """A pack's lines: each to the member it names, or to every member when one user owns them all."""
        refs = {agent: self.directory.get(pack.namespace, agent) for agent in pack.members}
        owners = {ref.user_id if ref else None for ref in refs.values()}
        shared = [ref for ref in refs.values() if ref is not None] if len(owners) == 1 and None not in owners else []
        # Every member resolves to the pack's Deployment: any one's redactor holds every member's secrets.
        redactor = self.secrets.redactor(pack.namespace, pack.members[0]) if pack.members else Redactor({})
        out = []
        for raw in raws:
            level, message, context = eliza.parse(raw.body, raw.stream)
            agent = attribute(context, pack)
            context["pack"] = pack.name
            target = refs.get(agent) if agent is not None else None
            if target is not None:
                window = self.budget.take(target.id, written_at(raw))
                if window is None:
                    self.stats["dropped_budget"] += 1
                    continue
                charged[window] += 1
                self._refs[target.id] = target
                self.stats["pack_attributed"] += 1
                out.append(self._line(line_id(raw), target, raw, level, message, context, redactor))
                continue
            if agent is not None or not shared:  # a member without a row, or members of several owners
                self.stats["pack_unattributed"] += 1
                continue
            pack_key = f"pack:{pack.namespace}/{pack.name}"
            window = self.budget.take(pack_key, written_at(raw))
            if window is None:
                self.stats["dropped_budget"] += 1
                continue
            charged[window] += 1
            self.stats["pack_shared"] += 1
            context["attributed"] = "pack"
            base = line_id(raw)
            for ref in shared:
                ident = str(uuid.uuid5(LINE_IDS, f"{base}/{ref.id}"))  # one row per member, the same on a resend
                out.append(self._line(ident, ref, raw, level, message, dict(context), redactor))
        return out

    def run_notices(self, stop: threading.Event) -> None:
        """Tell owners about dropped lines also when their agent has gone quiet (no ingest to carry them)."""
        while not stop.wait(2.0):
            notices = self._drop_notices()
            if notices:
                self.writer.submit(notices)

    def _drop_notices(self) -> list[LogLine]:
        """One line per agent whose lines were dropped in a closed window: what is missing and why."""
        notices = []
        for agent_id, dropped, window_start in self.budget.closed_windows():
            ref = self._refs.get(agent_id)
            if ref is None:
                continue
            at = datetime.fromtimestamp(window_start, UTC)  # the time of the first line dropped
            message = (
                f"launchpad: {dropped} log line(s) of this agent were dropped: over its budget of"
                f" {self.budget.rate:g} lines/s (burst {self.budget.burst:g})"
            )
            notice_id = str(uuid.uuid5(LINE_IDS, f"dropped/{agent_id}/{window_start:.6f}"))
            notices.append(LogLine(notice_id, ref, "warn", message, {"dropped": dropped, "source": "collector"}, at))
        return notices
