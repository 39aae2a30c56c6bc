"""Log records of an OTLP/HTTP JSON export (ExportLogsServiceRequest, the OpenTelemetry Collector's
`otlp_http` exporter with `encoding: json`), as the shipper's `file_log` receiver reads the kubelet's log
files: the container parser puts the pod's namespace, name, uid, container and restart count on the resource
(from the file's path /var/log/pods/<ns>_<pod>_<uid>/<container>/<restart>.log), the stream on the record
(`log.iostream`), the runtime's timestamp in `timeUnixNano`, and the line in `body`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RawLine:
    namespace: str
    pod: str
    pod_uid: str
    container: str
    restart_count: str
    stream: str
    time_ns: int
    offset: str
    body: str


def _value(v: dict[str, Any]) -> Any:
    for kind in ("stringValue", "intValue", "boolValue", "doubleValue"):
        if kind in v:
            return v[kind]
    return None


def _attributes(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {a["key"]: _value(a.get("value") or {}) for a in items or [] if "key" in a}


def records(payload: dict[str, Any]) -> Iterator[RawLine]:
    for resource_logs in payload.get("resourceLogs") or []:
        resource = _attributes((resource_logs.get("resource") or {}).get("attributes"))
        base = (
            str(resource.get("k8s.namespace.name", "")),
            str(resource.get("k8s.pod.name", "")),
            str(resource.get("k8s.pod.uid", "")),
            str(resource.get("k8s.container.name", "")),
            str(resource.get("k8s.container.restart_count", "")),
        )
        for scope_logs in resource_logs.get("scopeLogs") or []:
            for record in scope_logs.get("logRecords") or []:
                attrs = _attributes(record.get("attributes"))
                body = _value(record.get("body") or {})
                time_ns = int(record.get("timeUnixNano") or record.get("observedTimeUnixNano") or 0)
                yield RawLine(
                    *base,
                    stream=str(attrs.get("log.iostream", "stdout")),
                    time_ns=time_ns,
                    offset=str(attrs.get("log.file.record_offset", "")),
                    body="" if body is None else str(body),
                )
