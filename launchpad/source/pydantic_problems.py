"""Turn pydantic validation errors into `Problem`s with file, line and field, in words a platform engineer
reads once: unknown keys get a 'did you mean' from the schema's own field names."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from launchpad.errors import Problem, field_path
from launchpad.source.yaml_source import Loc


@cache
def _vocabulary(model: type[BaseModel]) -> tuple[str, ...]:
    """Every field alias in `model` and the models nested in it."""
    names: set[str] = set()
    pending: list[type[BaseModel]] = [model]
    seen: set[type[BaseModel]] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            names.add(info.alias or name)
            for arg in _walk_types(info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    pending.append(arg)
    return tuple(sorted(names))


def _walk_types(annotation: object) -> Iterable[object]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _walk_types(arg)


_NO_DATA: Any = object()
_KEY_ERRORS = ("missing", "extra_forbidden")

# Fields people put in the wrong place, with where they belong.
MISPLACED = {
    ("character", "secrets"): "secret values never live in agent files: declare the env name under the "
    "top-level `secrets:` with `{config: <key>}` or `{secretKeyRef: {name, key}}`",
    ("character", "plugins"): "declare plugins once, in the top-level `plugins:` list (pinned, name@1.2.3)",
    ("character", "clients"): "chat platforms go under the top-level `platforms:`",
    ("character", "lore"): "`lore` is elizaOS v0 and 1.7.2 refuses it: move its entries into `bio`",
    ("character", "modelProvider"): "`modelProvider` is elizaOS v0 and 1.7.2 refuses it: the model is the top-level "
    "`model: {provider, name}`",
    ("character", "personality"): "elizaOS 1.7.2 characters have no `personality`: describe it with `adjectives` "
    "(a list of traits) and `style`, or in `system` (the system prompt)",
}

# Required fields whose absence deserves an example of what to write (by the field's own name).
MISSING = {
    "model": "required field is missing: the model the agent talks to, e.g. `model: {provider: openai, name: "
    "gpt-4o-mini}`",
}


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = str(loc[-2]) if len(loc) > 1 else ""
        if (parent, key) in MISPLACED:
            return f"`{key}` is not allowed here: {MISPLACED[(parent, key)]}"
        guess = [g for g in difflib.get_close_matches(key, _vocabulary(model), n=2, cutoff=0.7) if g != key]
        hint = f"; did you mean `{guess[0]}`?" if guess else ""
        return f"unknown field `{key}`{hint}"
    if kind == "missing":
        return MISSING.get(str(loc[-1]) if len(loc) == 1 else "", "required field is missing")
    if kind in ("model_type", "dict_type"):  # pydantic names our class here ("instance of ModelSpec")
        return "must be a mapping of keys to values (YAML `key: value`, a JSON object)"
    message = error["msg"]
    # pydantic prefixes custom ValueErrors with "Value error, "; the text after it is ours.
    return message.removeprefix("Value error, ")


def _clean_loc(loc: tuple[int | str, ...], data: Any = _NO_DATA, kind: str = "") -> tuple[Loc, bool]:
    """The field's path in the data, and whether pydantic named a union member on the way. A failing dict key
    shows as (..., key, "[key]"); a failing union member as (..., field, "str") or (..., "Model", ...): given
    the data, every part that is not a key or index of it is such a tag."""
    if data is _NO_DATA:
        return tuple(part for part in loc if part != "[key]"), False
    out: list[str | int] = []
    current, tagged = data, False
    for index, part in enumerate(loc):
        if part == "[key]":
            continue
        if _has(current, part):
            out.append(part)
            current = current[part]
        elif index == len(loc) - 1 and not tagged and kind in _KEY_ERRORS:
            out.append(part)  # a missing or unknown key: not in the data, still the field
        else:
            tagged = True
            current = _NO_DATA
    return tuple(out), tagged


def _has(value: Any, part: int | str) -> bool:
    if isinstance(value, dict):
        return part in value
    return isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)


def problems_from(
    exc: ValidationError, model: type[BaseModel], where: Callable[[Loc], tuple[str, int]], data: Any = _NO_DATA
) -> list[Problem]:
    """One problem per field. With `data` (what was validated), a value that fits no member of a union gets one
    message saying what fits (`union_expectation`), not one per member."""
    problems: dict[tuple[Loc, str], Problem] = {}
    for error in exc.errors(include_input=False, include_url=False):
        loc, tagged = _clean_loc(error["loc"], data, error["type"])
        message = union_expectation(loc) if tagged else _message(error, model)
        file, line = where(loc)
        problems.setdefault((loc, message), Problem(file, line, field_path(loc), message))
    return list(problems.values())


def union_expectation(loc: Loc) -> str:
    """What a value that may take several shapes must be, by the field it is (or is an item of)."""
    expected = _UNIONS.get(str(loc[-1])) if loc else None
    if expected is None and len(loc) >= 2:
        expected = _ITEM_UNIONS.get(str(loc[-2]))
    return f"must be {expected}" if expected else "has the wrong type"


_UNIONS = {"bio": "a string or a list of strings"}
# The items of these fields (a dict's values, a list's items).
_ITEM_UNIONS = {
    "settings": "a string, number, boolean, object or list (not null)",
    "secrets": "a string, number or boolean",
    "knowledge": "a file path, `{path, shared}` or `{directory, shared}`",
}
