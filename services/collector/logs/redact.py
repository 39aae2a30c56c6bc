"""Values of an agent's secrets removed from its log lines before they are stored.

The agent's own logger hides secrets only by key name (fast-redact on known paths of the context objects);
a value printed in a message, an error, a URL or a plugin's console output goes through. Here every value the
agent's container reads from a Secret (its env `valueFrom.secretKeyRef`) is replaced by `[redacted:<ENV>]`
wherever it appears in the message or the context, and so is the password of a URL-shaped value (a database
URL's password can be printed without the rest of the URL). Values shorter than MIN_LENGTH would blank out
ordinary words and are not looked for; values shorter than WORD_LENGTH only as whole words."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

MIN_LENGTH = 4
WORD_LENGTH = 8


def _variants(name: str, value: str) -> list[tuple[str, str]]:
    """The value as it may appear: itself, as inside a JSON string (the context is redacted as JSON text),
    and a URL's password (plain and percent-decoded)."""
    found = [(value, name)]
    escaped = json.dumps(value)[1:-1]
    if escaped != value:
        found.append((escaped, name))
    if "://" in value:
        try:
            password = urlsplit(value).password
        except ValueError:
            password = None
        if password:
            found += [(password, name), (unquote(password), name)]
    return found


class Redactor:
    def __init__(self, secrets: dict[str, str] | Iterable[tuple[str, str]]) -> None:
        """secrets: env name -> value, or (env name, value) pairs (a pack's agents may share an env name)."""
        names: dict[str, str] = {}
        for name, value in sorted(secrets.items() if isinstance(secrets, dict) else secrets):
            for variant, owner in _variants(name, value):
                if len(variant) >= MIN_LENGTH:
                    names.setdefault(variant, owner)
        self._names = names
        parts = []
        for value in sorted(names, key=len, reverse=True):  # the longest first: a URL before its password
            escaped = re.escape(value)
            parts.append(escaped if len(value) >= WORD_LENGTH else rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: f"[redacted:{self._names[m.group(0)]}]", text)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value
