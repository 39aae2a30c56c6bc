"""Verifying Supabase Auth access tokens as a resource server must (/work/notes/auth.md; supabase/auth
internal/tokens/service.go mints them): the signature, `exp`, `nbf`/`iat` (with PostgREST's 30 s of skew),
`aud`, `iss`, `role` and a user id in `sub`.

Keys, by the token's own header, never by a list of algorithms mixed together:
- `HS256`: the project's legacy JWT secret (`SUPABASE_JWT_SECRET`), and only that: never a key of the JWKS,
  so an HS256 token "signed" with a public key (the algorithm-confusion attack) has no key to verify with.
- `ES256`/`RS256`/`EdDSA`: the key of the token's `kid` in the project's JWKS
  (`/auth/v1/.well-known/jwks.json`), whose own `alg` must be the token's. The JWKS is cached for 10 minutes
  (Supabase Auth's `Cache-Control: max-age=600`); an unknown `kid` (a key rotated in) refetches it, at most
  once per cooldown, so a flood of made-up kids cannot hammer Auth. A symmetric key in a JWKS is ignored.
- Anything else (`none`, HS384, a missing alg) is refused.

Every refusal is the same 401 for the client; the reason is logged for the operator only.

A verified token is remembered for a while (as PostgREST's JWT cache does, `Auth/JwtCache.hs`): a client
sends the same access token for its whole hour, and its ES256 signature costs more than the rest of a GET.
An entry lives until the token's `exp` or CACHE_SECONDS, whichever comes first, so a signing key Supabase
revokes stops working here within CACHE_SECONDS."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from services.api import limits
from services.api.config import AuthConfig

log = logging.getLogger("launchpad.api.auth")

ASYMMETRIC = ("ES256", "RS256", "EdDSA")
# What supabase/auth's GenerateAccessToken always writes (session_id: it refuses to mint without a session).
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss", "role", "session_id"]
USER_ROLE = "authenticated"
CACHE_SECONDS = 300
CACHE_ENTRIES = 10_000


class TokenRefused(Exception):
    """Why a token was refused: for the log, never for the client."""


class TokenVerifier:
    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self._jwks = (
            PyJWKClient(
                config.jwks_url,
                cache_jwk_set=True,
                lifespan=config.jwks_lifespan_seconds,
                cooldown_duration=config.jwks_cooldown_seconds,
                timeout=5,
            )
            if config.jwks_url
            else None
        )
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}  # token -> (until, claims)
        self._lock = threading.Lock()

    def _remembered(self, token: str) -> dict[str, Any] | None:
        found = self._verified.get(token)
        if found is None:
            return None
        if found[0] <= time.time():
            self._verified.pop(token, None)
            return None
        return found[1]

    def _remember(self, token: str, claims: dict[str, Any]) -> None:
        until = min(float(claims["exp"]) + self.config.leeway_seconds, time.time() + CACHE_SECONDS)
        with self._lock:
            while len(self._verified) >= CACHE_ENTRIES:  # the oldest first (insertion order)
                self._verified.pop(next(iter(self._verified)), None)
            self._verified[token] = (until, claims)

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or TokenRefused."""
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        if not token or len(token) > limits.MAX_TOKEN_BYTES:
            raise TokenRefused("empty or oversized token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(f"unreadable header: {exc}") from None
        alg = header.get("alg")
        key: Any
        if alg == "HS256":
            if self.config.hs256_secret is None:
                raise TokenRefused("HS256 token, and no legacy secret is configured")
            key = self.config.hs256_secret
        elif alg in ASYMMETRIC:
            key = self._public_key(header.get("kid"), str(alg))
        else:
            raise TokenRefused(f"algorithm {alg!r} is not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[str(alg)],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True, "strict_aud": False},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(f"{type(exc).__name__}: {exc}") from None
        if claims.get("role") != USER_ROLE:
            raise TokenRefused(f"role {claims.get('role')!r} is not {USER_ROLE!r}")
        try:
            uuid.UUID(str(claims["sub"]))
        except ValueError:
            raise TokenRefused("sub is not a user id") from None
        self._remember(token, claims)
        return claims

    def _public_key(self, kid: object, alg: str) -> PyJWK:
        if self._jwks is None:
            raise TokenRefused(f"{alg} token, and no JWKS is configured")
        if not isinstance(kid, str) or not kid:
            raise TokenRefused(f"{alg} token without a kid")
        try:
            key = self._jwks.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            log.warning("the JWKS could not be fetched: %s", exc)
            raise TokenRefused("JWKS unavailable") from None
        except jwt.PyJWKClientError as exc:
            raise TokenRefused(f"unknown kid {kid!r}: {exc}") from None
        except jwt.PyJWKSetError as exc:
            raise TokenRefused(f"unusable JWKS: {exc}") from None
        if key.key_type == "oct" or key.algorithm_name != alg:
            raise TokenRefused(f"kid {kid!r} is a {key.key_type}/{key.algorithm_name} key, the token says {alg}")
        return key

    def cached(self, token: str) -> bool:
        """Whether verifying `token` needs no network: HS256, or a kid the fresh cached JWKS holds. Then it
        runs on the event loop; otherwise in a thread, where fetching the JWKS blocks nobody else."""
        if self._remembered(token) is not None:
            return True
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return True  # refused without looking anything up
        if header.get("alg") not in ASYMMETRIC or self._jwks is None:
            return True
        cache = self._jwks.jwk_set_cache
        keys = cache.get() if cache is not None else None
        return keys is not None and any(k.key_id == header.get("kid") for k in keys.keys)

    def ready(self) -> bool:
        """Whether tokens can be verified now (the JWKS is fetchable, or a secret is configured)."""
        if self._jwks is None:
            return self.config.hs256_secret is not None
        try:
            self._jwks.get_jwk_set()
        except (jwt.PyJWKClientError, jwt.PyJWKSetError):
            return self.config.hs256_secret is not None
        return True
