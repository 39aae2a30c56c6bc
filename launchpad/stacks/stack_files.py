"""The `Pulumi.<stack>.yaml` files a sharded fleet reads before any engine runs: where they are and their plain
settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from launchpad.contracts import PROJECT

# The keys a shard stack's own config holds besides its secrets; everything else comes from its platform.
SHARD_KEYS = ("platform", "shard")


def stack_file(root: Path, stack: str) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def plain_config(path: Path) -> dict[str, Any]:
    """The plain `agent-launchpad:*` values of a stack file, by bare key (secrets, `{secure: ...}`, left out).
    A shard stack reads its platform's settings from here, so the two can never disagree."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    prefix = f"{PROJECT}:"
    return {
        key.removeprefix(prefix): value
        for key, value in (data.get("config") or {}).items()
        if key.startswith(prefix) and not (isinstance(value, dict) and "secure" in value)
    }


