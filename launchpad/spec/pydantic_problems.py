"""Turn pydantic validation errors into `Problem`s with file, line and field, in words a platform engineer
reads once: unknown keys get a 'did you mean' from the schema's own field names."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from functools import cache

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from launchpad.spec.errors import Problem, field_path
from launchpad.spec.yaml_source import Loc


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


# Fields people put in the wrong place, with where they belong.
MISPLACED = {
    ("character", "secrets"): "secret values never live in agent files: declare the env name under the "
    "top-level `secrets:` with `{config: <key>}` or `{secretKeyRef: {name, key}}`",
    ("character", "plugins"): "declare plugins once, in the top-level `plugins:` list (pinned, name@1.2.3)",
    ("character", "clients"): "chat platforms go under the top-level `platforms:`",
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
        return "required field is missing"
    message = error["msg"]
    # pydantic prefixes custom ValueErrors with "Value error, "; the text after it is ours.
    return message.removeprefix("Value error, ")


def _clean_loc(loc: tuple[int | str, ...]) -> Loc:
    # A failing dict key shows as (..., key, "[key]"); the field is the key itself.
    return tuple(part for part in loc if part != "[key]")


def problems_from(
    exc: ValidationError, model: type[BaseModel], where: Callable[[Loc], tuple[str, int]]
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = _clean_loc(error["loc"])
        file, line = where(loc)
        problems.append(Problem(file, line, field_path(loc), _message(error, model)))
    return problems
