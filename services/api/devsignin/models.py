"""POST /api/dev/sign-in: an email in, a session out in Supabase's own shape (what auth-js's `signInWith*`
returns: access_token, token_type, expires_in, expires_at, user), without a refresh token: a dev session ends
when its token does."""

from __future__ import annotations

from pydantic import BaseModel


class DevUser(BaseModel):
    id: str
    email: str


class DevSession(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    expires_at: int
    user: DevUser
