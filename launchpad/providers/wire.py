"""Values as the engine hands them to a dynamic provider: a secret is a dict with a signature key, an unknown
(a preview's not-yet-computed value) is a sentinel string. pulumi.runtime.rpc's wire constants, stable across
Pulumi versions (they are part of the protocol); nothing here imports Pulumi."""

from __future__ import annotations

from typing import Any

_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def plain(value: Any) -> Any:
    if isinstance(value, dict) and value.get(_SECRET_SIG_KEY) == _SECRET_SIG:
        return value.get("value")
    return value


def secret(value: Any) -> dict[str, Any]:
    """Wire form of a secret, for a provider output that must stay encrypted in the state."""
    return {_SECRET_SIG_KEY: _SECRET_SIG, "value": value}


def is_known(value: Any) -> bool:
    return plain(value) not in (None, UNKNOWN)
