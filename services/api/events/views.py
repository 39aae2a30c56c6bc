"""GET /api/events (every agent the user may see) and GET /api/agents/{name}/events (one), as Server-Sent
Events: `status` (the observed health and replicas, agent_events), `log`, `metric` and `alert`; `agent` (an
agent created, changed or deleted: `op`), `operation` (an operation's state) and `operation-event` (an engine
event of one). Each event's `id` is the client's position in all seven streams, so a reconnecting client that
sends it back as `Last-Event-ID` gets exactly what it missed. Without one, a stream starts with what comes next.

Browsers' EventSource cannot send an Authorization header: clients use a fetch-based reader (e.g.
@microsoft/fetch-event-source) with the Supabase access token, as for every other call. A stream ends when
that token expires (the client reconnects with a fresh one and its Last-Event-ID)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from launchpad.db.repository import api_agents
from services.api.auth.dependencies import principal
from services.api.auth.principal import Principal
from services.api.errors import not_found
from services.api.events import cursor as cursors
from services.api.events.hub import LiveHub, Row, Subscriber
from services.api.openapi_docs import ERRORS

router = APIRouter(tags=["events"], responses=ERRORS)
Reader = Annotated[Principal, Depends(principal)]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", description="resume after this event")]
KEEPALIVE_SECONDS = 15.0
EVENT_NAMES = {"status": "status", "logs": "log", "metrics": "metric", "alerts": "alert",
               # the control plane's own (launchpad/db/repository/changes.py; the dashboard follows them)
               "agents": "agent", "operations": "operation", "opevents": "operation-event"}
_HIDDEN = ("seq", "agent_id")
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}
}


def _json(row: Row) -> str:
    def default(value: Any) -> str:
        return value.isoformat() if isinstance(value, datetime) else str(value)

    return json.dumps({k: v for k, v in row.items() if k not in _HIDDEN}, default=default, separators=(",", ":"))


def _event(stream: str, row: Row, position: dict[str, int]) -> str:
    return f"id: {cursors.encode(position)}\nevent: {EVENT_NAMES[stream]}\ndata: {_json(row)}\n\n"


async def _events(request: Request, hub: LiveHub, who: Principal, subscriber: Subscriber, position: dict[str, int],
                  missed: list[tuple[str, Row]]) -> AsyncIterator[str]:  # fmt: skip
    try:
        yield "retry: 2000\n\n"
        for stream, row in missed:
            position[stream] = int(row["seq"])
            yield _event(stream, row, position)
        expires = float(who.claims.get("exp", time.time() + 3600))
        while time.time() < expires and not await request.is_disconnected():
            try:
                stream, rows = await asyncio.wait_for(subscriber.queue.get(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if stream == "overflow":
                return  # too far behind: the client reconnects with its Last-Event-ID
            subscriber.taken(len(rows))
            for row in rows:
                seq = int(row["seq"])
                if seq <= position[stream]:
                    continue  # already sent by the catch-up
                position[stream] = seq
                yield _event(stream, row, position)
    finally:
        hub.unsubscribe(subscriber)


async def _response(request: Request, who: Principal, agent_id: str | None,
                    last_event_id: str | None) -> StreamingResponse:  # fmt: skip
    """The client is subscribed, and its position known, BEFORE the response starts: whatever it reads through
    the REST API once the stream has answered cannot miss a change made in between."""
    hub: LiveHub = request.app.state.live
    resumed = cursors.decode(last_event_id) if last_event_id is not None else None  # malformed: a 400 first
    subscriber: Subscriber = await run_in_threadpool(hub.subscribe, who, agent_id, asyncio.get_running_loop())
    try:
        if resumed is not None:
            position, missed = resumed, await run_in_threadpool(hub.catch_up, who, agent_id, resumed)
        else:
            position, missed = await run_in_threadpool(hub.heads, who), []
    except BaseException:
        hub.unsubscribe(subscriber)
        raise
    return StreamingResponse(
        _events(request, hub, who, subscriber, position, missed), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        # also when the client leaves before the body starts (the generator then never runs its finally)
        background=BackgroundTask(hub.unsubscribe, subscriber),
    )  # fmt: skip


@router.get("/api/events", summary="Live status, logs, metrics and alerts of all your agents (SSE)",
            response_class=StreamingResponse, responses=STREAM_DOC)
async def all_events(request: Request, who: Reader, last_event_id: LastEventId = None) -> StreamingResponse:
    return await _response(request, who, None, last_event_id)


@router.get("/api/agents/{name}/events", summary="Live status, logs, metrics and alerts of one agent (SSE)",
            response_class=StreamingResponse, responses=STREAM_DOC)
async def agent_events(request: Request, name: str, who: Reader,
                       last_event_id: LastEventId = None) -> StreamingResponse:  # fmt: skip
    def read() -> api_agents.AgentRow | None:
        with request.app.state.db.read(who) as conn:
            return api_agents.get_agent(conn, name)

    row = await run_in_threadpool(read)
    if row is None:
        raise not_found(name)
    return await _response(request, who, row.id, last_event_id)
