"""Each agent's API token (`ELIZA_SERVER_AUTH_TOKEN`), and the keyed digest that rolls an agent's pods when any
value of its Secret changes.

Without a token, elizaOS 1.7.2 leaves its whole `/api/*` open ("API Key: DISABLED") and every pod of a shared
tenant namespace could drive every agent in it. With it, `/api/*` needs the `X-API-KEY` header; the probes'
`/healthz` and `/health` stay public.

The token is HMAC-SHA256(`agentTokenKey`, "agent-token/v2" NUL name NUL nonce), where:
- `agentTokenKey` is the stack's config secret, at least 32 characters (a short or empty key would make every
  token computable by anyone who knows the agent's name, which is in its labels and DNS name); changing it
  rotates every agent's token;
- the nonce is the agent's incarnation (launchpad/providers/incarnations.py): random, kept in the stack's
  state while the agent exists under the same owner, registry row and `tokenRotation`, and drawn anew when
  any of them changes or the agent leaves the stack. So bumping one agent's `tokenRotation` rotates its token
  alone, and an agent deleted and created again under the same name (by the same owner or another) never
  gets its predecessor's token.
The derivation happens inside a Pulumi secret Output (components/eliza_agent.py): the token exists only
encrypted in the state and in the agent's Kubernetes Secret. No resource per agent: one incarnation resource
per stack holds every nonce.

Pods read their Secret's values once, at start: a new value reaches an agent only when its pods roll. The pod
template carries `launchpad.dev/secret-hmac`, an HMAC of every value the pod reads from its Secret under a
key derived from `agentTokenKey`: it changes whenever a value does, and, being keyed, says nothing about the
values to anyone who reads the Deployment or the state (an unkeyed hash of a short or guessable value would
let them test guesses offline)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

AUTH_TOKEN_ENV = "ELIZA_SERVER_AUTH_TOKEN"
TOKEN_KEY_CONFIG = "agentTokenKey"  # the stack's config secret
TOKEN_KEY_MIN_LENGTH = 32  # characters: `openssl rand -hex 32` gives 64
SECRET_DIGEST_ANNOTATION = "launchpad.dev/secret-hmac"


def token_key_problem(key: str, stack: str | None = None) -> str | None:
    """Why `key` cannot be the stack's token key, or None. Says nothing of the key but its length."""
    short = len(key.strip()) < TOKEN_KEY_MIN_LENGTH
    uniform = bool(key.strip()) and len(set(key)) < 8
    if not (short or uniform):
        return None
    where = f" --stack {stack}" if stack else ""
    return (
        f"{TOKEN_KEY_CONFIG} must be a random secret of at least {TOKEN_KEY_MIN_LENGTH} characters (it is "
        f"{len(key)}{', nearly all one character' if uniform else ''}): every agent's API token is derived from "
        f'it; set one with `pulumi config set --secret {TOKEN_KEY_CONFIG} "$(openssl rand -hex 32)"{where}`'
    )


def derive_token(key: str, agent: str, nonce: str) -> str:
    message = b"\0".join([b"agent-token/v2", agent.encode(), nonce.encode()])
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def secret_digest(key: str, agent: str, values: Mapping[str, str]) -> str:
    """HMAC-SHA256 of an agent's Secret values under a key derived from `key` (never the token key itself),
    each name and value length-prefixed so no two different Secrets give the same input."""
    subkey = hmac.new(key.encode(), b"pod-secret-digest/v1", hashlib.sha256).digest()
    mac = hmac.new(subkey, digestmod=hashlib.sha256)
    mac.update(f"{len(agent)}:{agent}".encode())
    for name, value in sorted(values.items()):
        raw_name, raw_value = name.encode(), value.encode()
        mac.update(b"%d:%s%d:%s" % (len(raw_name), raw_name, len(raw_value), raw_value))
    return mac.hexdigest()


# A pack (several agents in one server, launchpad/workloads/pack_pod.py) has ONE API token, the server's: elizaOS
# 1.7.2 has no per-agent API auth. It opens every agent of the pack (GET /api/agents/:id returns each one's settings
# with its secrets encrypted, POST .../stop, DELETE), so it is the platform's, never an agent owner's: derived from
# the same stack key under a name no agent can have (`pack:` is not a DNS label), held in the pack's own Secret, and
# recomputed by an operator with `printf %s pack:<pack> | openssl dgst -sha256 -hmac <key>`. Its SECRET_SALT, which
# encrypts the agents' secrets in the pack's database, is derived the same way under `salt:<pack>`.
SALT_ENV = "SECRET_SALT"


def derive_pack_token(key: str, pack: str) -> str:
    return hmac.new(key.encode(), f"pack:{pack}".encode(), hashlib.sha256).hexdigest()


def derive_pack_salt(key: str, pack: str) -> str:
    return hmac.new(key.encode(), f"salt:{pack}".encode(), hashlib.sha256).hexdigest()
