"""Rules on a character beyond elizaOS's schema, for inline characters and character files alike:

- it never carries a secret value: the character is mounted from a ConfigMap, which is not a Secret. A value
  under `secrets` or `settings.secrets`, a credential-named setting with a value, or a credential-looking
  value anywhere is refused, with a pointer to the agent file's `secrets:` (the value is never shown);
- settings that do nothing in 1.7 are refused with what does work (`settings.model`: plugins read
  `<PROVIDER>_SMALL_MODEL` / `_LARGE_MODEL`, which the agent file's `model:` sets)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from launchpad.credentials import credential_kind, is_credential_name
from launchpad.source.yaml_source import Loc

# Character settings v0 used for the model; in 1.7 no plugin reads them (they read env-style settings).
MODEL_SETTINGS = ("model", "embeddingModel", "modelProvider")


def _declare(name: str) -> str:
    return f"declare it in the agent file as `secrets: {{{name}: {{config: <key>}}}}` (value not shown)"


def _credential_key(key: str) -> bool:
    """Credential-named, in env style (DISCORD_API_TOKEN) or in the camelCase settings use (apiToken)."""
    return is_credential_name(re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key))


def _has_value(value: Any) -> bool:
    return value not in (None, "", {}, [])


def _walk(value: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    yield loc, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*loc, index))


def secret_problems(character: dict[str, Any]) -> list[tuple[Loc, str]]:
    """(where, message) of every secret value in `character`."""
    problems: list[tuple[Loc, str]] = []
    flagged: set[Loc] = set()
    settings = character.get("settings")
    holders: list[tuple[Loc, Any]] = [(("secrets",), character.get("secrets"))]
    if isinstance(settings, dict):
        holders.append((("settings", "secrets"), settings.get("secrets")))
    for where, holder in holders:
        for key, value in (holder or {}).items() if isinstance(holder, dict) else ():
            if _has_value(value):
                loc = (*where, str(key))
                flagged.add(loc)
                message = "a secret value in the character would be stored in its ConfigMap: remove it and "
                problems.append((loc, message + _declare(str(key))))
    for loc, value in _walk(settings, ("settings",)) if isinstance(settings, dict) else ():
        key = loc[-1]
        scalar = _has_value(value) and not isinstance(value, dict | list)
        if loc not in flagged and isinstance(key, str) and _credential_key(key) and scalar:
            flagged.add(loc)
            problems.append((loc, f"`{key}` looks like a credential: remove it from the character and {_declare(key)}"))
    for loc, value in _walk(character, ()):
        if loc not in flagged and isinstance(value, str) and (kind := credential_kind(value)) is not None:
            problems.append((loc, f"the value looks like {kind}: remove it from the character; secrets go under the "
                             "agent file's `secrets:` (value not shown)"))  # fmt: skip
    return problems


def inert_setting_problems(character: dict[str, Any]) -> list[tuple[Loc, str]]:
    """(where, message) of character settings that elizaOS 1.7 ignores."""
    settings = character.get("settings")
    if not isinstance(settings, dict):
        return []
    return [
        (("settings", key), f"`settings.{key}` does nothing in elizaOS 1.7 (model plugins read <PROVIDER>_SMALL_MODEL "
         "and <PROVIDER>_LARGE_MODEL): remove it and set `model: {name: ...}` (or `small`/`large`) in the agent file")
        for key in MODEL_SETTINGS
        if key in settings
    ]  # fmt: skip
