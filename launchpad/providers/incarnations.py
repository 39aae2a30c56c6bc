"""What the AgentIncarnations dynamic provider (components/providers/incarnations.py) does: keep one random
nonce per agent of a stack, the input of its API token (launchpad/workloads/auth_token.py).

An agent keeps its nonce while its identity stays the same: its owner, its incarnation (an API agent's
registry row id; "" for an agent file) and its `tokenRotation`. A changed identity, or an agent that left the
stack and came back, gets a new nonce, hence a new token. The state keeps a 16-character digest of the
identity beside the nonce; neither is a secret without the stack's token key."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

NONCE_BYTES = 16
_NONCE = re.compile(r"[0-9a-f]{32}")


def identity(owner: str, incarnation: str, rotation: int) -> str:
    """What makes an agent the same agent, as a short digest (the owner is not repeated in the state)."""
    material = "\0".join([owner, incarnation, str(rotation)])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def next_nonces(old: Any, wanted: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """agent -> {identity, nonce}: the old nonce where the agent was there with the same identity, a fresh
    random one otherwise; agents no longer wanted are dropped (so a later agent of that name starts anew)."""
    previous: Mapping[str, Any] = old if isinstance(old, Mapping) else {}
    result: dict[str, dict[str, str]] = {}
    for name, ident in sorted(wanted.items()):
        kept = previous.get(name)
        if (
            isinstance(kept, Mapping)
            and kept.get("identity") == ident
            and isinstance(kept.get("nonce"), str)
            and _NONCE.fullmatch(kept["nonce"])
        ):
            result[name] = {"identity": ident, "nonce": kept["nonce"]}
        else:
            result[name] = {"identity": ident, "nonce": secrets.token_hex(NONCE_BYTES)}
    return result
