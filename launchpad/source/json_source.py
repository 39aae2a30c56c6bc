"""JSON documents as `JSON.parse` reads them (NaN and Infinity refused), within the bounds of
launchpad/source/limits.py, with the line of every key: a character file, or a request body an API turns
into an agent (each problem then carries its JSON pointer, `Problem.pointer`)."""

from __future__ import annotations

import json
from typing import Any

import json_source_map

from launchpad.errors import Problem
from launchpad.source.limits import DEFAULT_LIMITS, Limits, decode_utf8, too_big, too_deep, tree_problem
from launchpad.source.yaml_source import Loc, SourceDoc


class _StrictJson(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    # JSON.parse refuses NaN and Infinity; Python's json would accept them.
    raise _StrictJson(f"{name} is not JSON")


def _lines(text: str, data: Any, path: str) -> SourceDoc:
    """The JSON document with the line of every key (of an object member) or item (of an array). The map is a
    help for messages: a pointer json_source_map spells differently from the parsed key (it keeps escapes such
    as \\u0000 as written) is left out, and its problems point at the nearest enclosing line."""
    lines: dict[Loc, int] = {}
    try:
        entries = json_source_map.calculate(text).items()
    except (ValueError, KeyError, IndexError, TypeError):  # a document json accepted and the map does not
        return SourceDoc(path, data, lines)
    for pointer, entry in entries:
        loc: list[str | int] = []
        node = data
        try:
            for raw in pointer.split("/")[1:]:
                part = raw.replace("~1", "/").replace("~0", "~")
                key: str | int = int(part) if isinstance(node, list) else part
                loc.append(key)
                node = node[key]
        except (KeyError, IndexError, ValueError, TypeError):
            continue
        where = entry.key_start or entry.value_start
        lines[tuple(loc)] = where.line + 1
    return SourceDoc(path, data, lines)


def parse_json(
    text: str, shown: str, context: str = "", limits: Limits = DEFAULT_LIMITS, *, what: str = "an elizaOS character"
) -> tuple[SourceDoc | None, list[Problem]]:
    """`text` as JSON.parse reads it, an object at the top; `context` says whose file it is in messages."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        return None, [Problem(shown, 1, "", too_big(size, limits))]
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, exc.lineno, "", f"invalid JSON{context}: {exc.msg} (column {exc.colno})")]
    except _StrictJson as exc:
        return None, [Problem(shown, 1, "", f"invalid JSON{context}: {exc}")]
    except RecursionError:  # the parser recurses per level: far deeper than the bound below
        return None, [Problem(shown, 1, "", too_deep(limits))]
    except ValueError as exc:  # an integer of thousands of digits
        return None, [Problem(shown, 1, "", f"invalid JSON{context}: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(shown, 1, "", f"must hold a JSON object ({what})")]
    bound = tree_problem(data, limits)
    if bound is not None:  # before the line map, which recurses per level and walks every value
        return None, [Problem(shown, 1, "", bound)]
    return _lines(text, data, shown), []


def parse_json_bytes(
    raw: bytes, shown: str, context: str = "", limits: Limits = DEFAULT_LIMITS, *, what: str = "an elizaOS character"
) -> tuple[SourceDoc | None, list[Problem]]:
    """The same from bytes (a file read with limits.read_bounded, or a request body), which must be UTF-8."""
    if len(raw) > limits.max_bytes:
        return None, [Problem(shown, 1, "", too_big(len(raw), limits))]
    text, problems = decode_utf8(raw, shown, "document")
    if text is None:
        return None, problems
    return parse_json(text, shown, context, limits, what=what)
