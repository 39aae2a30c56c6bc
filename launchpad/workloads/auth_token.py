"""Each agent's API token (`ELIZA_SERVER_AUTH_TOKEN`): without one, elizaOS 1.7.2 leaves its whole `/api/*`
open ("API Key: DISABLED") and every pod of a shared tenant namespace could drive every agent in it. With it,
`/api/*` needs the `X-API-KEY` header; the probes' `/healthz` and `/health` stay public.

The token is derived, not generated: HMAC-SHA256(stack key, agent name), where the stack key is the Pulumi
config secret `agentTokenKey`. Why not a random password per agent: the engine here runs no pulumi-random
provider, and at 1,000 agents a resource per agent is 1,000 more state entries and engine steps for nothing a
derivation does not give. The derivation happens inside a Pulumi secret Output (components/eliza_agent.py),
so the token only exists encrypted in state and in the agent's Kubernetes Secret. Tokens are distinct per
agent (a leaked one opens one agent), stable across runs (no rollout without a change), and all rotate with
`pulumi config set --secret agentTokenKey <new>`. An operator recomputes one with
`printf %s <agent> | openssl dgst -sha256 -hmac <key>`."""

from __future__ import annotations

import hashlib
import hmac

AUTH_TOKEN_ENV = "ELIZA_SERVER_AUTH_TOKEN"
TOKEN_KEY_CONFIG = "agentTokenKey"  # the stack's config secret


def derive_token(key: str, agent: str) -> str:
    return hmac.new(key.encode(), agent.encode(), hashlib.sha256).hexdigest()
