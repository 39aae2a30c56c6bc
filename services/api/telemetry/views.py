"""GET /api/agents/{name}/logs, /metrics and /alerts: thin routes over telemetry/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.api import limits
from services.api.auth.dependencies import principal
from services.api.auth.principal import Principal
from services.api.openapi_docs import ERRORS
from services.api.telemetry import models, service

router = APIRouter(prefix="/api/agents", tags=["telemetry"], responses=ERRORS)
Reader = Annotated[Principal, Depends(principal)]
Since = Annotated[str | None, Query(description="an RFC 3339 time or a duration back from now (30m, 1h, 7d); "
                                                "default 1h")]  # fmt: skip
Until = Annotated[str | None, Query(description="an RFC 3339 time or a duration back from now")]
Cursor = Annotated[str | None, Query(description="`next` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=limits.MAX_PAGE)]


@router.get("/{name}/logs", response_model=models.LogPage, summary="The agent's log lines, newest first")
def agent_logs(
    request: Request, name: str, who: Reader, since: Since = None, until: Until = None,
    level: Annotated[str, Query(description="this level and worse: debug, info, warn, error, fatal")] = "debug",
    cursor: Cursor = None, limit: Limit = limits.DEFAULT_PAGE,
) -> models.LogPage:  # fmt: skip
    return service.logs(request.app.state.db, who, name, since=since, until=until, level=level, cursor=cursor,
                        limit=limit)  # fmt: skip


@router.get("/{name}/metrics", response_model=models.MetricPage, summary="The agent's metrics, newest first")
def agent_metrics(
    request: Request, name: str, who: Reader, since: Since = None, until: Until = None,
    metric: Annotated[list[str] | None, Query(description="cpu_cores, memory_limit_ratio, restarts, "
                                                          "ready_replicas, probe_success; default all")] = None,
    cursor: Cursor = None, limit: Limit = limits.DEFAULT_PAGE,
) -> models.MetricPage:  # fmt: skip
    return service.metrics(request.app.state.db, who, name, since=since, until=until, names=metric, cursor=cursor,
                           limit=limit)  # fmt: skip


@router.get("/{name}/alerts", response_model=models.AlertPage, summary="The agent's alert history, newest first")
def agent_alerts(request: Request, name: str, who: Reader, cursor: Cursor = None,
                 limit: Limit = limits.DEFAULT_PAGE) -> models.AlertPage:  # fmt: skip
    return service.alerts(request.app.state.db, who, name, cursor=cursor, limit=limit)
