"""Reading this stack's `agent-launchpad:*` config: plain settings (validated by launchpad.settings) and the
set of keys that are secrets. Pulumi's Config API reads one known key at a time; validation needs them all,
so we read the runtime's config map (the same one `pulumi.Config` reads)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from launchpad.contracts import PROJECT


def project_config() -> tuple[dict[str, Any], set[str]]:
    """(plain values by bare key, bare keys that are secrets) of this project's config."""
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_full = set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())
    prefix = f"{PROJECT}:"
    secrets = {k.removeprefix(prefix) for k in secret_full if k.startswith(prefix)}
    plain: dict[str, Any] = {}
    for key, value in merged.items():
        if not key.startswith(prefix) or key.removeprefix(prefix) in secrets:
            continue
        plain[key.removeprefix(prefix)] = _decode(value)
    return plain, secrets


def _decode(value: Any) -> Any:
    # Structured config values (`pulumi config set --path` or objects in the stack file) arrive as JSON text.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def secret(key: str) -> pulumi.Output[str] | None:
    return pulumi.Config(PROJECT).get_secret(key)


def secret_value(key: str) -> str | None:
    """A config secret's plaintext, for what must be read before any resource exists (the database the fleet's
    API agents are read from, the key that opens their sealed values). The engine hands the program its
    config decrypted; keep the value out of anything that is not a secret Output."""
    value = runtime_config.get_config(f"{PROJECT}:{key}")
    return str(value) if value else None
