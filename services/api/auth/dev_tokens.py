"""Access tokens for the dev and local stacks, minted as Supabase Auth mints them (supabase/auth
internal/tokens/service.go: every claim of AccessTokenClaims, HS256 with the legacy secret, no kid), so the
API verifies them with the same code as a real project's (tokens.py). Used by `api token --dev` and the
dashboard's dev-only sign-in (services/api/devsignin)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

LIFETIME_SECONDS = 3600  # Supabase Auth's default JWT expiry


@dataclass(frozen=True)
class Minted:
    token: str
    expires_at: int  # epoch seconds


def mint_dev_token(secret: str | bytes, issuer: str, user_id: str, email: str, *, admin: bool = False,
                   lifetime: int = LIFETIME_SECONDS) -> Minted:
    now = int(time.time())
    app_metadata: dict[str, object] = {"provider": "email", "providers": ["email"]}
    if admin:
        app_metadata["launchpad"] = {"role": "admin"}
    claims = {
        "iss": issuer, "sub": user_id, "aud": "authenticated", "exp": now + lifetime, "iat": now,
        "email": email, "phone": "", "app_metadata": app_metadata, "user_metadata": {},
        "role": "authenticated", "aal": "aal1", "amr": [{"method": "password", "timestamp": now}],
        "session_id": str(uuid.uuid4()), "is_anonymous": False,
    }
    return Minted(jwt.encode(claims, secret, algorithm="HS256"), now + lifetime)
