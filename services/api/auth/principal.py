"""The signed-in user as the API sees them: their id, their role and their quota, read from the verified
claims. Authority comes from `app_metadata` only, which only the service role writes; `user_metadata` is the
user's own (`supabase.auth.updateUser`) and never grants anything, whatever it says (the design put
`permissions` there)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from launchpad.fleet.quantity import parse_quantity
from services.api import limits

Role = Literal["user", "admin"]
# app_metadata.launchpad = {"role": "admin", "quota": {"agents": .., "replicas": .., "memory": ..}}
APP_KEY = "launchpad"


@dataclass(frozen=True)
class Quota:
    agents: int = limits.QUOTA_AGENTS
    replicas: int = limits.QUOTA_REPLICAS
    memory: str = limits.QUOTA_MEMORY

    @property
    def memory_bytes(self) -> Decimal:
        return parse_quantity(self.memory)


@dataclass(frozen=True)
class Principal:
    user_id: str
    claims: dict[str, Any]  # as verified: what the database sees in request.jwt.claims
    role: Role = "user"
    anonymous: bool = False  # a Supabase anonymous sign-in: may read, not create
    quota: Quota = Quota()

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def principal_from(claims: dict[str, Any]) -> Principal:
    app = claims.get("app_metadata")
    ours = app.get(APP_KEY) if isinstance(app, dict) else None
    ours = ours if isinstance(ours, dict) else {}
    role: Role = "admin" if ours.get("role") == "admin" else "user"
    return Principal(
        user_id=str(claims["sub"]),
        claims=claims,
        role=role,
        anonymous=claims.get("is_anonymous") is True,
        quota=_quota(ours.get("quota")),
    )


def _quota(given: object) -> Quota:
    """Overrides an administrator wrote; a value of the wrong kind keeps the default (never an error for
    the user, whose claims they are not to fix)."""
    if not isinstance(given, dict):
        return Quota()
    base = Quota()
    agents, replicas, memory = given.get("agents"), given.get("replicas"), given.get("memory")
    try:
        memory_ok = isinstance(memory, str) and parse_quantity(memory) > 0
    except ValueError:
        memory_ok = False
    return Quota(
        agents=agents if isinstance(agents, int) and not isinstance(agents, bool) and agents >= 0 else base.agents,
        replicas=replicas if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 0
        else base.replicas,
        memory=memory if memory_ok and isinstance(memory, str) else base.memory,
    )
