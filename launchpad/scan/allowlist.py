"""CVE allowlist: accepted vulnerabilities, each with an expiry date and a reason, so an exception is a
decision someone wrote down and has to renew, never a permanent hole.

    - id: CVE-2024-21538
      expires: 2027-01-31
      reason: cross-spawn is only used by the build toolchain, not at run time
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from launchpad.errors import UserError


class AllowlistError(UserError, ValueError):
    """The allowlist file is malformed: the scan must not run with a half-understood allowlist."""


@dataclass(frozen=True)
class AllowEntry:
    id: str
    expires: dt.date
    reason: str

    def applies(self, today: dt.date) -> bool:
        """Valid through its expiry day."""
        return today <= self.expires


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):  # YAML reads an unquoted 2027-01-31 as a date
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise AllowlistError(f"{where}: expires {value!r} is not a date (YYYY-MM-DD)") from None


def _entry(raw: Any, where: str) -> AllowEntry:
    if not isinstance(raw, Mapping):
        raise AllowlistError(f"{where}: expected a mapping with id, expires and reason")
    unknown = sorted(set(raw) - {"id", "expires", "reason"})
    if unknown:
        raise AllowlistError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    for key in ("id", "expires", "reason"):
        if raw.get(key) is None or str(raw.get(key)).strip() == "":
            raise AllowlistError(f"{where}: {key} is missing (every allowlisted CVE needs an id, expires and reason)")
    reason = str(raw["reason"]).strip()
    return AllowEntry(id=str(raw["id"]).strip(), expires=_date(raw["expires"], where), reason=reason)


def parse_allowlist(data: Any, source: str = "allowlist") -> tuple[AllowEntry, ...]:
    """Entries from parsed YAML: a list (or null for an empty file)."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise AllowlistError(f"{source}: expected a list of entries")
    entries = tuple(_entry(raw, f"{source}[{i}]") for i, raw in enumerate(data))
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise AllowlistError(f"{source}: {entry.id} is listed twice")
        seen.add(entry.id)
    return entries


def load_allowlist(path: str | Path) -> tuple[AllowEntry, ...]:
    with open(path, encoding="utf-8") as f:
        return parse_allowlist(yaml.safe_load(f), str(path))
