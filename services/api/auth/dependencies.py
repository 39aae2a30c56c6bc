"""The FastAPI dependencies that say who is asking and whether they may: every endpoint but /api/health
declares `principal` (reads) or `changer` (changes). Both verify the bearer token (a 401 that says nothing
of why), count the request against the user's rate limit and leave the standing for the response headers."""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from services.api.auth.principal import Principal, principal_from
from services.api.auth.tokens import TokenRefused, TokenVerifier
from services.api.errors import ApiError, request_id, unauthenticated
from services.api.ratelimit import RateLimits

log = logging.getLogger("launchpad.api.auth")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _authenticate(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    rates: RateLimits = request.app.state.rates
    wait = rates.blocked(rates.auth_failures, "auth", _client(request))
    if wait is not None:  # this source sent too many bad tokens: not even looked at for the rest of the minute
        raise ApiError(429, "RATE_LIMITED", f"too many refused tokens from this address; retry in {wait} s",
                       headers={"Retry-After": str(wait)})
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise TokenRefused("no bearer token")
        token = token.strip()
        claims = verifier.verify(token) if verifier.cached(token) else await run_in_threadpool(verifier.verify, token)
    except TokenRefused as exc:
        log.info("token refused (request %s, from %s): %s", request_id(request), _client(request), exc)
        rates.count(rates.auth_failures, "auth", _client(request))
        raise unauthenticated() from None
    return principal_from(claims)


async def principal(request: Request) -> Principal:
    """Any signed-in user (reads)."""
    who = await _authenticate(request)
    rates: RateLimits = request.app.state.rates
    request.state.rate = rates.take(rates.reads, "reads", who.user_id)
    return who


async def changer(request: Request) -> Principal:
    """A signed-in user who may change agents: not an anonymous sign-in (no account to hold them to)."""
    who = await _authenticate(request)
    rates: RateLimits = request.app.state.rates
    request.state.rate = rates.take(rates.changes, "changes", who.user_id)
    if who.anonymous:
        raise ApiError(403, "INSUFFICIENT_PERMISSIONS",
                       "anonymous sign-ins may read, not create or change agents: sign in with an account")
    return who
