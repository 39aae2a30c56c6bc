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


# A pack (several agents in one server, launchpad/workloads/pack_pod.py) has ONE API token, the server's: elizaOS
# 1.7.2 has no per-agent API auth. It opens every agent of the pack (GET /api/agents/:id returns each one's settings
# with its secrets encrypted, POST .../stop, DELETE), so it is the platform's, never an agent owner's: derived from
# the same stack key under a name no agent can have (`pack:` is not a DNS label), held in the pack's own Secret, and
# recomputed by an operator with `printf %s pack:<pack> | openssl dgst -sha256 -hmac <key>`. Its SECRET_SALT, which
# encrypts the agents' secrets in the pack's database, is derived the same way under `salt:<pack>`.
SALT_ENV = "SECRET_SALT"


def derive_pack_token(key: str, pack: str) -> str:
    return derive_token(key, f"pack:{pack}")


def derive_pack_salt(key: str, pack: str) -> str:
    return derive_token(key, f"salt:{pack}")
