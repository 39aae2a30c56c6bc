"""The collector's HTTP side: Alertmanager's webhook, the log shipper's OTLP/HTTP endpoint, probes.

Both receivers answer 503 unless this instance leads (only the leader writes) and when the log pipeline is
full: Alertmanager and the OpenTelemetry Collector retry a 503 (the shipper honours Retry-After), so the
lines wait in the shipper's persistent queue instead of in this process's memory. A bearer token, when set,
is required of both senders (a log line or an alert written into an owner's view is not for any pod of the
cluster to forge).

The shipper (the OpenTelemetry Collector's otlp_http exporter v0.165.0, otlp.go
isRetryableStatusCode) sends a batch again only after 429, 502, 503 or 504 (or no answer); any other status is a
permanent error and the batch is dropped. So the log receiver answers 200 once the lines are committed and 503
for everything else that is not the sender's fault, an unexpected failure of ours included: never a 500."""

from __future__ import annotations

import gzip
import hmac
import json
import logging
import zlib
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.collector.alerts.models import WebhookPayload
from services.collector.alerts.service import receive
from services.collector.logs.otlp import PROTOBUF, NotOtlp, decode, is_protobuf
from services.collector.runner import Active, Runner

log = logging.getLogger(__name__)
# The longest a log request waits for its commit: under the shipper's own timeout (`timeout: 30s` in
# launchpad/logs/shipper.py), so that the shipper hears "send again" rather than giving up on its own.
ACK_TIMEOUT_SECONDS = 20.0


def _unavailable(why: str) -> JSONResponse:
    return JSONResponse({"error": why}, status_code=503, headers={"Retry-After": "1"})


def create_app(runner: Runner) -> FastAPI:
    app = FastAPI(title="launchpad collector", docs_url=None, redoc_url=None, openapi_url=None)
    token = runner.config.token

    def authorised(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            from fastapi import HTTPException

            raise HTTPException(status_code=401, detail="a valid bearer token is required")

    router = APIRouter(dependencies=[Depends(authorised)])

    async def _body(request: Request) -> bytes:
        body = await request.body()
        if request.headers.get("content-encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        return body

    async def _json(request: Request) -> Any:
        return json.loads(await _body(request))

    @router.post("/alerts")
    async def alerts(request: Request) -> Response:
        active = runner.active
        if active is None:
            return _unavailable("not the leading collector")
        try:
            payload = WebhookPayload.model_validate(await _json(request))
        except (ValueError, ValidationError, RecursionError, OSError, EOFError, zlib.error) as exc:
            return JSONResponse({"error": f"not an Alertmanager webhook payload: {exc}"}, status_code=400)
        written = await run_in_threadpool(receive, active.db, payload)
        return JSONResponse({"received": written.received, "matched": written.matched, "changed": written.changed})

    @router.post("/v1/logs")
    async def logs(request: Request) -> Response:
        active = runner.active
        if active is None:
            return _unavailable("not the leading collector")
        if not all(gate.is_set() for gate in active.log_gates):
            # A line stored before the fleet is listed would be matched by pod name alone and redacted of nothing
            # (its agent's Secrets unknown yet): the shipper keeps it and sends it again.
            return _unavailable("listing the fleet's workloads and secrets")
        if active.writer.full():
            return _unavailable("log pipeline full")
        content_type = request.headers.get("content-type", "")
        try:
            received = await run_in_threadpool(decode, await _body(request), content_type)
        except (NotOtlp, OSError, EOFError, zlib.error) as exc:  # the sender's fault: not sent again
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            delivery = await run_in_threadpool(active.ingest.ingest, received)
        except Exception:  # a 500 would make the shipper drop the batch: it is sent again instead
            log.exception("ingesting a log batch failed")
            return _unavailable("ingesting the lines failed; send them again")
        pending = delivery.pending
        done = await run_in_threadpool(pending.done.wait, ACK_TIMEOUT_SECONDS)
        if not done or pending.error is not None:
            active.ingest.failed(delivery)
            return _unavailable("storing the lines failed; send them again")
        # An ExportLogsServiceResponse without partial success, in the request's encoding (empty in protobuf)
        return Response(b"", media_type=PROTOBUF) if is_protobuf(content_type) else JSONResponse({})

    app.include_router(router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Response:
        if runner.active is None:
            return _unavailable("standby: another instance leads")
        return JSONResponse({"status": "leading", "scope": runner.config.scope})

    @app.get("/stats")
    def stats() -> Response:
        active: Active | None = runner.active
        if active is None:
            return _unavailable("standby")
        rounds = active.metrics.rounds if active.metrics else []
        return JSONResponse(
            {
                "status": active.status.stats if active.status else None,
                "logs": active.ingest.stats | {"writer": active.writer.stats},
                "metrics": [r.__dict__ | {"at": r.at.isoformat()} for r in rounds[-5:]],
            }
        )

    return app
