"""An agent's logs and metrics, read as the user (row-level security: another user's agent is a 404), and
what the collector observed of it for /status. Parameters: `since` (an RFC 3339 time, or a duration back
from now as the design writes it: 30m, 1h, 7d), `until`, `level` (that level and worse), pages by cursor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from launchpad.db.repository import api_agents
from launchpad.db.repository.telemetry import reads
from launchpad.db.repository.telemetry.types import LOG_LEVELS
from services.api.auth.principal import Principal
from services.api.database import Database
from services.api.errors import Detail, not_found, validation_error
from services.api.telemetry import models

_DURATION = re.compile(r"^(\d{1,6})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
DEFAULT_SINCE = timedelta(hours=1)


def parse_time(value: str | None, field: str, *, default: datetime | None) -> datetime | None:
    if value is None:
        return default
    found = _DURATION.match(value)
    if found:
        return datetime.now(UTC) - timedelta(**{_UNITS[found[2]]: int(found[1])})
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_error([Detail(None, "an RFC 3339 time (2026-12-07T10:00:00Z) or a duration (30m, 1h, 7d)",
                                       field)]) from None  # fmt: skip
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _cursor(value: str | None) -> tuple[datetime, int] | None:
    if value is None:
        return None
    at, _, seq = value.rpartition("~")
    try:
        return datetime.fromisoformat(at), int(seq)
    except ValueError:
        raise validation_error([Detail(None, "a cursor from a previous page's `next`", "cursor")]) from None


def _next(rows: list[dict[str, Any]], key: str, limit: int) -> str | None:
    return f"{rows[-1][key].isoformat()}~{rows[-1]['seq']}" if len(rows) == limit else None


def _agent_id(conn: Any, name: str) -> str:
    row = api_agents.get_agent(conn, name)
    if row is None:
        raise not_found(name)
    return row.id


def logs(db: Database, who: Principal, name: str, *, since: str | None, until: str | None, level: str,
         cursor: str | None, limit: int) -> models.LogPage:  # fmt: skip
    if level not in LOG_LEVELS:
        raise validation_error([Detail(None, f"one of {', '.join(LOG_LEVELS)}", "level")])
    start = parse_time(since, "since", default=datetime.now(UTC) - DEFAULT_SINCE)
    end = parse_time(until, "until", default=None)
    assert start is not None
    with db.read(who) as conn:
        rows = reads.logs_page(conn, _agent_id(conn, name), since=start, until=end, level=level,
                               before=_cursor(cursor), limit=limit)  # fmt: skip
    lines = [models.LogLine(seq=r["seq"], at=r["logged_at"], level=r["level"], message=r["message"],
                            context=r["context"]) for r in rows]  # fmt: skip
    return models.LogPage(agent=name, logs=lines, next=_next(rows, "logged_at", limit))


def metrics(db: Database, who: Principal, name: str, *, since: str | None, until: str | None,
            names: list[str] | None, cursor: str | None, limit: int) -> models.MetricPage:  # fmt: skip
    start = parse_time(since, "since", default=datetime.now(UTC) - DEFAULT_SINCE)
    end = parse_time(until, "until", default=None)
    assert start is not None
    with db.read(who) as conn:
        rows = reads.metrics_page(conn, _agent_id(conn, name), since=start, until=end, names=names,
                                  before=_cursor(cursor), limit=limit)  # fmt: skip
    samples = [models.MetricSample(at=r["recorded_at"], name=r["name"], value=r["value"]) for r in rows]
    return models.MetricPage(agent=name, metrics=samples, next=_next(rows, "recorded_at", limit))


def alerts(db: Database, who: Principal, name: str, *, cursor: str | None, limit: int) -> models.AlertPage:
    with db.read(who) as conn:
        rows = reads.alerts_page(conn, _agent_id(conn, name), before=_cursor(cursor), limit=limit)
    found = [models.Alert(id=r["id"], alertname=r["alertname"], severity=r["severity"], title=r["title"],
                          message=r["message"], status=r["status"], labels=r["labels"] or {},
                          startedAt=r["started_at"], resolvedAt=r["resolved_at"], updatedAt=r["updated_at"])
             for r in rows]  # fmt: skip
    return models.AlertPage(agent=name, alerts=found, next=_next(rows, "started_at", limit))
