"""Supabase access tokens, as the API verifies them (services/api/auth/tokens.py), with tokens minted as
Supabase Auth mints them (tests/api/supabase_auth.py) and its JWKS served on loopback.

Every refusal is the same 401: the same body (but its time and request id), `WWW-Authenticate: Bearer
error="invalid_token"`, nothing that tells an attacker which check failed."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tests.api import supabase_auth as auth
from tests.api.conftest import USER_A, Api

pytestmark = pytest.mark.postgres

NOW = int(time.time())


def _refusals(api: Api) -> dict[str, dict[str, str]]:
    """Name -> request headers, for every token the API must refuse."""
    key = api.key
    good = auth.claims(USER_A)
    pem = key.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk_text = json.dumps(key.public_jwk()).encode()
    other = auth.es256_key(kid=key.kid)  # a key nobody published, claiming the published kid
    hs256 = {"alg": "HS256", "kid": key.kid, "typ": "JWT"}  # the algorithm-confusion attack's header
    tokens: dict[str, str] = {
        "garbage": "not-a-jwt",
        "alg none": auth.forged({"alg": "none", "typ": "JWT"}, good, None),
        "alg none with the kid": auth.forged({"alg": "none", "kid": key.kid, "typ": "JWT"}, good, None),
        "HS256 signed with the public key (PEM)": auth.forged(hs256, good, pem),
        "HS256 signed with the public key (JWK)": auth.forged(hs256, good, jwk_text),
        "HS256 with another secret": auth.forged({"alg": "HS256", "typ": "JWT"}, good, b"x" * 40),
        "HS384 with the legacy secret": auth.forged({"alg": "HS384", "typ": "JWT"}, good,
                                                    auth.LEGACY_SECRET.encode()),
        "unknown kid": auth.mint(good, key, kid=str(uuid.uuid4())),
        "no kid (ES256)": auth.forged({"alg": "ES256", "typ": "JWT"}, good, None),
        "signed by an unpublished key with a published kid": auth.mint(good, other),
        "RS256 header on the ES256 key's kid": auth.mint(good, auth.rs256_key(kid=key.kid)),
        "expired": auth.mint(auth.claims(USER_A, exp=NOW - 60, iat=NOW - 3660), key),
        "not valid yet (nbf)": auth.mint(auth.claims(USER_A, nbf=NOW + 300), key),
        "issued in the future (iat)": auth.mint(auth.claims(USER_A, iat=NOW + 300), key),
        "wrong audience": auth.mint(auth.claims(USER_A, aud="other"), key),
        "no audience": auth.mint(auth.claims(USER_A, aud=auth.DROP), key),
        "wrong issuer": auth.mint(auth.claims(USER_A, iss="https://evil.supabase.co/auth/v1"), key),
        "no issuer": auth.mint(auth.claims(USER_A, iss=auth.DROP), key),
        "role anon (the anon key's role)": auth.mint(auth.claims(USER_A, role="anon"), key),
        "role service_role": auth.mint(auth.claims(USER_A, role="service_role"), key),
        "no role": auth.mint(auth.claims(USER_A, role=auth.DROP), key),
        "sub not a user id": auth.mint(auth.claims("admin"), key),
        "no session_id": auth.mint(auth.claims(USER_A, session_id=auth.DROP), key),
        "no exp": auth.mint(auth.claims(USER_A, exp=auth.DROP), key),
        "tampered payload": _tampered(auth.mint(good, key)),
        "oversized": "a" * 9000,
    }
    headers = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    headers["no Authorization header"] = {}
    headers["Basic scheme"] = {"Authorization": "Basic dXNlcjpwYXNz"}
    headers["Bearer without a token"] = {"Authorization": "Bearer "}
    return headers


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(auth.base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(uuid.uuid4())
    return ".".join([header, auth._b64(json.dumps(claims).encode()), signature])


REFUSALS = [
    "garbage", "alg none", "alg none with the kid", "HS256 signed with the public key (PEM)",
    "HS256 signed with the public key (JWK)", "HS256 with another secret", "HS384 with the legacy secret",
    "unknown kid", "no kid (ES256)", "signed by an unpublished key with a published kid",
    "RS256 header on the ES256 key's kid", "expired", "not valid yet (nbf)", "issued in the future (iat)",
    "wrong audience", "no audience", "wrong issuer", "no issuer", "role anon (the anon key's role)",
    "role service_role", "no role", "sub not a user id", "no session_id", "no exp", "tampered payload", "oversized",
    "no Authorization header", "Basic scheme", "Bearer without a token",
]


def _body(response: Any) -> dict[str, Any]:
    error = dict(response.json()["error"])
    error.pop("timestamp"), error.pop("requestId")
    return error


def test_the_refusal_list_is_complete(api: Api) -> None:
    assert sorted(_refusals(api)) == sorted(REFUSALS)


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_with_a_401_that_says_nothing(api: Api, case: str) -> None:
    for method, path in (("GET", "/api/agents"), ("POST", "/api/agents"), ("GET", "/api/agents/x/status")):
        response = api.client.request(method, path, headers=_refusals(api)[case], json={})
        assert response.status_code == 401, (case, method, response.text)
        assert _body(response) == {"code": "UNAUTHENTICATED", "message": "a valid Supabase access token is required: "
                                   "Authorization: Bearer <access_token>"}
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="launchpad", error="invalid_token"'
        assert "x-ratelimit-limit" not in response.headers  # nobody to count against


def test_es256_via_the_jwks_and_hs256_via_the_legacy_secret_are_accepted(api: Api) -> None:
    es256 = api.token(USER_A)
    assert json.loads(auth.base64.urlsafe_b64decode(es256.split(".")[0] + "==")) == {
        "alg": "ES256", "kid": api.key.kid, "typ": "JWT"}
    hs256 = auth.mint(auth.claims(USER_A))
    for token in (es256, hs256):
        assert api.client.get("/api/agents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # PostgREST's clock skew: a token a few seconds from its edges still works.
    skewed = auth.mint(auth.claims(USER_A, iat=NOW + 20, exp=NOW - 20 + 3600), api.key)
    assert api.client.get("/api/agents", headers={"Authorization": f"bearer {skewed}"}).status_code == 200


def test_the_jwks_is_fetched_once_and_a_rotated_key_is_found_by_its_kid(api: Api) -> None:
    headers = api.as_user(USER_A)
    api.client.get("/api/agents", headers=headers)
    before = api.jwks.hits
    for _ in range(5):
        assert api.client.get("/api/agents", headers=api.as_user(USER_A)).status_code == 200
    assert api.jwks.hits == before  # cached
    rotated = auth.es256_key()
    api.jwks.keys.append(rotated)  # Supabase publishes the next key: a token signed with it refetches once
    try:
        token = auth.mint(auth.claims(USER_A), rotated)
        assert api.client.get("/api/agents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert api.jwks.hits == before + 1
        assert api.client.get("/api/agents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert api.jwks.hits == before + 1
    finally:
        api.jwks.keys.remove(rotated)


def test_a_symmetric_key_in_the_jwks_verifies_nothing(api: Api) -> None:
    """Auth never publishes an `oct` key; one that is there anyway (k included) must not become a way in."""
    secret = b"published-by-mistake-" * 2
    api.jwks.extra.append({"kty": "oct", "kid": "oct-key", "alg": "HS256", "k": auth._b64(secret)})
    try:
        api.client.app.state.verifier._jwks.get_jwk_set(refresh=True)  # type: ignore[attr-defined]
        for header in ({"alg": "HS256", "kid": "oct-key", "typ": "JWT"}, {"alg": "ES256", "kid": "oct-key"}):
            token = auth.forged(header, auth.claims(USER_A), secret)
            assert api.client.get("/api/agents", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        api.jwks.extra.clear()


def test_authority_comes_from_app_metadata_never_user_metadata(api: Api) -> None:
    """The design put `permissions` in user_metadata, which users write themselves (updateUser)."""
    claims = auth.claims(USER_A, user_metadata={"permissions": ["agents:admin"], "launchpad": {"role": "admin"}})
    token = auth.mint(claims, api.key)
    response = api.client.get(f"/api/agents?owner={uuid.uuid4()}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
