"""GET /api/health (and /readyz, the readiness probe; /healthz, liveness), unauthenticated: whether the
database answers and tokens can be verified. It says nothing else: no version, no names, no counts."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter(tags=["health"])

Check = Literal["ok", "unavailable"]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, Check]


@router.get("/healthz", include_in_schema=False)
async def alive() -> JSONResponse:
    """Liveness (launchpad/controlplane/services.py): the process answers."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
@router.get("/api/health", response_model=Health, responses={503: {"model": Health}}, summary="Ready to serve?")
def health(request: Request) -> JSONResponse:
    checks: dict[str, Check] = {
        "database": "ok" if request.app.state.db.ping() else "unavailable",
        "auth": "ok" if request.app.state.verifier.ready() else "unavailable",
    }
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "degraded", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
