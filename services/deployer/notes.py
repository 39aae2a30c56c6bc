"""What the deployer keeps of the engine's events: plain values, so everything after services/deployer/engine.py
(attribution, per-operation records) is ordinary Python, tested without an engine.

Kept: resource steps (before, done, failed), diagnostics, policy violations, the summary. Dropped: stdout
(free text about every resource of the stack), the prelude (the stack's config), cancel markers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_ANSI = re.compile(r"\x1b\[[0-9;]*m|<\{%[^%]*%\}>")  # terminal colours, and the engine's own colour tags


def plain(text: str) -> str:
    """A diagnostic's text without colour codes, trailing whitespace trimmed."""
    return _ANSI.sub("", text).strip()


@dataclass(frozen=True)
class StepNote:
    phase: Literal["pre", "done", "failed"]
    op: str  # create, update, delete, replace, same, ...
    urn: str
    type: str
    parent: str | None  # the parent resource's URN, from the step's old or new state
    diffs: tuple[str, ...] = ()  # top-level property names that change (names only, never values)


@dataclass(frozen=True)
class DiagnosticNote:
    urn: str | None
    severity: str  # error, warning, info, debug, info#err
    message: str


@dataclass(frozen=True)
class PolicyNote:
    urn: str | None
    policy: str
    pack: str
    enforcement: str  # advisory, mandatory, disabled, remediate
    message: str


@dataclass(frozen=True)
class SummaryNote:
    changes: dict[str, int]
    seconds: int


Note = StepNote | DiagnosticNote | PolicyNote | SummaryNote
