"""Every error the API answers, in one shape (after the design's API reference):

    {"error": {"code": "VALIDATION_ERROR", "message": "...", "timestamp": "...", "requestId": "...",
               "details": [{"pointer": "/scaling/maxReplicas", "message": "..."}]}}

A user's mistake is a 4xx with what to fix, each problem with the JSON pointer of its field in the request;
anything else is a 500 that says only that it failed and under which request id (the traceback goes to the
log, never to the client). Authentication failures say nothing of why (RFC 6750's `invalid_token`)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from launchpad.errors import Problem
from services.api import limits

log = logging.getLogger("launchpad.api")

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(rf"^[A-Za-z0-9._-]{{1,{limits.MAX_REQUEST_ID_CHARS}}}$")


@dataclass(frozen=True)
class Detail:
    pointer: str | None  # a JSON pointer into the request body; None for a query parameter or a header
    message: str
    parameter: str | None = None  # the query parameter or header it is about

    def body(self) -> dict[str, str]:
        out = {"pointer": self.pointer} if self.pointer is not None else {}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return {**out, "message": self.message}


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    details: Sequence[Detail] = ()
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def not_found(name: str) -> ApiError:
    # The same answer whether the agent does not exist or belongs to someone else: nothing to learn.
    return ApiError(404, "AGENT_NOT_FOUND", f"no agent named {name!r}")


def validation_error(details: Iterable[Detail], message: str = "") -> ApiError:
    found = list(details)
    return ApiError(
        400, "VALIDATION_ERROR",
        message or f"the request was refused: {len(found)} problem(s); nothing was created or changed", found,
    )


def problem_details(problems: Iterable[Problem]) -> list[Detail]:
    return [Detail(p.pointer, p.message) for p in problems]


UNAUTHENTICATED = "a valid Supabase access token is required: Authorization: Bearer <access_token>"


def unauthenticated() -> ApiError:
    return ApiError(401, "UNAUTHENTICATED", UNAUTHENTICATED,
                    headers={"WWW-Authenticate": 'Bearer realm="launchpad", error="invalid_token"'})


def request_id(request: Request) -> str:
    found: str | None = getattr(request.state, "request_id", None)
    return found or "-"


def envelope(request: Request, error: ApiError) -> JSONResponse:
    body: dict[str, Any] = {
        "code": error.code,
        "message": error.message,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestId": request_id(request),
    }
    if error.details:
        body["details"] = [d.body() for d in error.details]
    return JSONResponse({"error": body}, status_code=error.status, headers=error.headers)


_STATUS_CODES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                 405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE", 413: "PAYLOAD_TOO_LARGE",
                 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED"}


class RequestIds:
    """Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task and a stream per request): a request id
    on every request and response, the caller's rate-limit standing on every answer, and any exception that
    escaped the handlers turned into a 500 in the envelope (its traceback to the log only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), "")
        ident = given if _REQUEST_ID.match(given) else str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["request_id"] = ident
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = ident
                standing = state.get("rate")
                if standing is not None:
                    for key, value in standing.headers().items():
                        if key not in headers:
                            headers[key] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # a bug: the client gets an id to quote, the log gets the traceback
            log.exception("request %s %s failed (request id %s)", scope.get("method"), scope.get("path"), ident)
            if started:
                raise
            request = Request(scope)
            response = envelope(request, ApiError(500, "INTERNAL_ERROR",
                                                  "the request failed on our side; quote the request id"))
            await response(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Request ids on every request and response; every error in the envelope."""
    app.add_middleware(RequestIds)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return envelope(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for error in exc.errors():
            where = [str(p) for p in error.get("loc", ())]
            kind = where[0] if where else ""
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            if kind == "body":
                details.append(Detail("/" + "/".join(where[1:]) if len(where) > 1 else "", message))
            else:
                details.append(Detail(None, message, where[-1] if where else None))
        return envelope(request, validation_error(details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "ERROR")
        message = str(exc.detail) if exc.status_code != 404 else f"no such endpoint: {request.url.path}"
        return envelope(request, ApiError(exc.status_code, code, message, headers=dict(exc.headers or {})))
