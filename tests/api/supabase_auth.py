"""Supabase Auth, as far as a resource server meets it: access tokens minted exactly as supabase/auth mints
them, and its JWKS endpoint served on loopback (/work/notes/auth.md, with sources):

- claims: `tokens.AccessTokenClaims` in supabase/auth internal/tokens/service.go, in its field order
  (RegisteredClaims first), `aud` a plain string, integer times, no `nbf`, no `jti`;
- header: `{"alg":"ES256","kid":<kid>,"typ":"JWT"}` (keys sorted, kid only when the key has one), or
  `{"alg":"HS256","typ":"JWT"}` with the legacy secret;
- JWKS: `GET /auth/v1/.well-known/jwks.json`, public keys only (never an `oct` one), each with `use: sig`,
  `key_ops: [verify]`, `Cache-Control: public, max-age=600` (internal/api/jwks.go)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://abcdefghijklmnop.supabase.co/auth/v1"
AUDIENCE = "authenticated"
LEGACY_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"  # the Supabase CLI's default


@dataclass
class SigningKey:
    kid: str
    private: Any
    alg: str = "ES256"

    def public_jwk(self) -> dict[str, Any]:
        if self.alg == "ES256":
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update(alg=self.alg, kid=self.kid, use="sig", key_ops=["verify"], ext=True)
        return dict(sorted(jwk.items()))


def es256_key(kid: str | None = None) -> SigningKey:
    return SigningKey(kid or str(uuid.uuid4()), ec.generate_private_key(ec.SECP256R1()))


def rs256_key(kid: str | None = None) -> SigningKey:
    return SigningKey(kid or str(uuid.uuid4()), rsa.generate_private_key(public_exponent=65537, key_size=2048),
                      "RS256")


def claims(sub: str, *, email: str = "user@example.com", app_metadata: dict[str, Any] | None = None,
           **over: Any) -> dict[str, Any]:
    """What GenerateAccessToken writes for a password sign-in (field order of AccessTokenClaims)."""
    now = int(time.time())
    out: dict[str, Any] = {
        "iss": ISSUER, "sub": sub, "aud": AUDIENCE, "exp": now + 3600, "iat": now,
        "email": email, "phone": "",
        "app_metadata": app_metadata if app_metadata is not None else {"provider": "email", "providers": ["email"]},
        "user_metadata": {}, "role": "authenticated", "aal": "aal1",
        "amr": [{"method": "password", "timestamp": now}], "session_id": str(uuid.uuid4()), "is_anonymous": False,
    }
    out.update(over)
    return {k: v for k, v in out.items() if v is not _DROP}


_DROP = object()
DROP: Any = _DROP  # claims(..., session_id=DROP) leaves the claim out


def mint(payload: dict[str, Any], key: SigningKey | None = None, *, kid: str | None = None) -> str:
    """As supabase/auth's SignJWT: PyJWT sorts the header keys, as Go marshals them."""
    if key is None:
        return jwt.encode(payload, LEGACY_SECRET, algorithm="HS256")
    return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": kid if kid is not None else key.kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    """A token PyJWT will not make: `alg: none`, or HS256 "signed" with a public key as its secret."""
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest() if secret is not None else b""
    return signing_input + "." + _b64(signature)


@dataclass
class JwksServer:
    """`/auth/v1/.well-known/jwks.json` on 127.0.0.1, with the keys of `keys` (change them to rotate)."""

    keys: list[SigningKey] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)  # raw JWKs added as they are (an oct key...)
    hits: int = 0

    def __post_init__(self) -> None:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/auth/v1/.well-known/jwks.json":
                    self.send_error(404)
                    return
                server.hits += 1
                body = json.dumps({"keys": [k.public_jwk() for k in server.keys] + server.extra}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_port}/auth/v1/.well-known/jwks.json"

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
