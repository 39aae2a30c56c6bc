"""POST /api/dev/sign-in, on the dev stacks only (services/api/app.py adds the route only when the stack allows
it: elsewhere the path is a 404 like any unknown one, and it is not in the OpenAPI document)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from services.api.body import read_json
from services.api.config import ApiConfig
from services.api.devsignin import service
from services.api.devsignin.models import DevSession
from services.api.ratelimit import RateLimits

router = APIRouter(prefix="/api/dev", tags=["dev"], include_in_schema=False)


@router.post("/sign-in", response_model=DevSession)
async def sign_in(request: Request) -> DevSession:
    rates: RateLimits = request.app.state.rates
    rates.take(rates.changes, "dev-sign-in", request.client.host if request.client else "unknown")
    email = service.check_email(await read_json(request))
    config: ApiConfig = request.app.state.config
    return await run_in_threadpool(service.sign_in, config, email)
