"""Signing a dev user in: their auth.users row (made if new, as `api token --dev` makes it) and a token minted
with the stack's HS256 secret, verified afterwards by the same code as any Supabase token (auth/tokens.py).
Only ever wired when the stack allows it (config.ApiConfig: stack setting devSignIn and LAUNCHPAD_DEV_SIGN_IN,
which the policy pack refuses outside the dev stacks)."""

from __future__ import annotations

import re
import time

import psycopg

from launchpad.db.repository.dev_users import ensure_dev_user
from services.api.auth.dev_tokens import LIFETIME_SECONDS, mint_dev_token
from services.api.config import ApiConfig
from services.api.devsignin.models import DevSession, DevUser
from services.api.errors import ApiError, Detail, validation_error

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def check_email(body: object) -> str:
    if not isinstance(body, dict) or set(body) - {"email"}:
        raise validation_error([Detail("", "send {\"email\": \"you@example.com\"}")])
    email = body.get("email")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.match(email.strip()):
        raise validation_error([Detail("/email", "an email address, e.g. you@example.com")])
    return email.strip().lower()


def sign_in(config: ApiConfig, email: str) -> DevSession:
    assert config.dev_sign_in is not None and config.auth.hs256_secret is not None
    try:
        with psycopg.connect(config.dev_sign_in.users_database_url, autocommit=True, connect_timeout=5) as conn:
            user_id = ensure_dev_user(conn, email)
    except psycopg.OperationalError:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "the dev database is unavailable; retry",
                       headers={"Retry-After": "5"}) from None
    minted = mint_dev_token(config.auth.hs256_secret, config.auth.issuer, user_id, email)
    return DevSession(access_token=minted.token, expires_in=max(0, minted.expires_at - int(time.time())) or
                      LIFETIME_SECONDS, expires_at=minted.expires_at, user=DevUser(id=user_id, email=email))
