"""How much input one document may be: the same bounds for an agent file, the fleet's defaults, a character
file and an API request body, checked by every reader of user input (yaml_source, json_source) before the
input can cost more than it is worth.

Why each bound:
- bytes: a ConfigMap holds at most 1 MiB and the character is most of an agent's objects; the state keeps each
  object three times. Nothing an agent needs is bigger, and a reader never reads more than this (a 3 GB file
  named as a character is refused after reading 1 MiB of it, not loaded whole).
- depth: PyYAML's composer and constructor, json_source_map and pydantic recurse once per level; the deepest
  real character (messageExamples[i][j].content.actions[k]) is 7 levels. A bound far below any recursion or C
  stack limit turns `[[[[...` (a SIGSEGV in the C parser at 40,000 levels) into a FILE:LINE problem.
- nodes, counted with every alias expanded: YAML aliases let 362 bytes stand for billions of values (the
  "billion laughs"); every consumer after the parser (line map, merge, validation, JSON rendering) walks the
  expanded tree, so the expanded size is what is bounded.
- rendered character: what lands in the agent's ConfigMap, after conversion and plugins are added."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launchpad.errors import Problem

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1 * MiB
    max_depth: int = 32
    max_nodes: int = 100_000


DEFAULT_LIMITS = Limits()
# The rendered character JSON of one agent (its ConfigMap's data): half a ConfigMap, so the object with its
# metadata stays well under the API server's 1 MiB and the state's three copies stay small.
MAX_CHARACTER_BYTES = 512 * KiB


def too_big(size: int, limits: Limits) -> str:
    return (
        f"is {size:,} bytes or more, above the {limits.max_bytes:,}-byte limit of one document "
        "(an agent file, a character, a request body): nothing an agent needs is that large"
    )


def too_deep(limits: Limits) -> str:
    return f"nested more than {limits.max_depth} levels deep: no agent file or character needs that"


def too_many(limits: Limits) -> str:
    return (
        f"expands to more than {limits.max_nodes:,} values (YAML aliases included): "
        "no agent file or character needs that many"
    )


def read_bounded(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes | None, list[Problem]]:
    """At most `limits.max_bytes` of a regular file: a FIFO, a device or a directory is refused before it is
    opened for reading (reading /dev/zero or a FIFO would never end), a larger file after max_bytes + 1."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens without waiting for a writer
    except OSError as exc:
        return None, [Problem(display, 1, "", f"cannot be read: {exc.strerror or exc}")]
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, [Problem(display, 1, "", "is not a regular file")]
        if info.st_size > limits.max_bytes:
            return None, [Problem(display, 1, "", too_big(info.st_size, limits))]
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        return None, [Problem(display, 1, "", f"cannot be read: {exc.strerror or exc}")]
    finally:
        os.close(fd)
    if len(raw) > limits.max_bytes:  # grew while we read it
        return None, [Problem(display, 1, "", too_big(len(raw), limits))]
    return raw, []


def decode_utf8(raw: bytes, display: str, what: str = "file") -> tuple[str | None, list[Problem]]:
    """UTF-8 text, or a problem at the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Problem(display, line, "", f"the {what} is not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column}")
        ]


def _children(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield item
    elif isinstance(value, list):
        yield from value


def tree_problem(data: Any, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Whether already-parsed data (a JSON body) is within the depth and node bounds; without recursion, so
    the check itself cannot be what overflows. None when it is."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return too_many(limits)
        if isinstance(value, dict | list):
            if depth > limits.max_depth:
                return too_deep(limits)
            stack.extend((child, depth + 1) for child in _children(value))
    return None
