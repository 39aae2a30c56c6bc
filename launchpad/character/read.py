"""Characters as elizaOS 1.7.2 reads them, inline in an agent file or from a `characterFile`.

A character file is read as `JSON.parse` reads it, every key with its line. A v0 file is converted
(`character_v0.py`) and what was converted is reported as notes; the result, like any v1 file, must pass the
mirror of core's strict schema (`character_schema.py`), whose problems name the JSON file, the line and the
key. On top of the schema: no secret values, no settings that do nothing (`character_checks.py`)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from launchpad.character import v0 as character_v0
from launchpad.character.checks import inert_setting_problems, secret_problems
from launchpad.character.schema import ElizaCharacter
from launchpad.errors import Problem, field_path
from launchpad.source.json_source import parse_json, parse_json_bytes
from launchpad.source.limits import read_bounded
from launchpad.source.pydantic_problems import problems_from
from launchpad.source.yaml_source import Loc, SourceDoc

__all__ = ["LoadedCharacter", "check_character_document", "check_rules", "load_character_file", "parse_json"]


@dataclass
class LoadedCharacter:
    character: dict[str, Any] | None  # None when there are problems
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def schema_problems(doc: SourceDoc, data: dict[str, Any], reported: frozenset[str] = frozenset()) -> list[Problem]:
    """Where `data` breaks core 1.7.2's character schema, with the line of each key in `doc`; fields in
    `reported` already have a problem of their own (v0 keys)."""
    try:
        ElizaCharacter.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc, ElizaCharacter, lambda loc: (doc.path, doc.line_of(loc)), data)
        return [_explain(p, data) for p in problems if p.field not in reported]
    return []


def _explain(problem: Problem, data: dict[str, Any]) -> Problem:
    """Messages in elizaOS terms: unknown keys, the develop-branch example shape."""
    message = problem.message
    if message.startswith("unknown field `"):
        key = message.split("`")[1]
        guess = difflib.get_close_matches(key, _KEYS, n=1, cutoff=0.7)
        hint = f"; did you mean `{guess[0]}`?" if guess else ""
        message = f"unknown key `{key}`: elizaOS 1.7.2 refuses a character with keys it does not know{hint}"
    elif problem.field.startswith("messageExamples[") and problem.field.count("[") == 1:
        index = int(problem.field.split("[")[1].rstrip("]"))
        item = (data.get("messageExamples") or [None] * (index + 1))[index]
        if isinstance(item, dict) and "examples" in item:
            message = (
                "`{examples: [...]}` is the elizaOS develop-branch shape; 1.7.2 reads a conversation as a list "
                "of `{name, content}` messages: replace this object with its `examples` list"
            )
    return Problem(problem.file, problem.line, problem.field, message)


_KEYS = tuple(info.alias or name for name, info in ElizaCharacter.model_fields.items())


def check_rules(character: dict[str, Any], where: Callable[[Loc], tuple[str, int]], prefix: Loc = ()) -> list[Problem]:
    """No secret values, no inert settings: problems at `prefix + loc` (in a JSON file or the agent file)."""
    problems = []
    for loc, message in secret_problems(character) + inert_setting_problems(character):
        file, line = where((*prefix, *loc))
        problems.append(Problem(file, line, field_path((*prefix, *loc)), message))
    return problems


def contained(ref: str, agent_file: Path, root: Path) -> Path | str:
    """The file `ref` names, relative to the agent file, when it lies inside the fleet's directory `root` once
    every symlink is followed; else why not. An agent file names its character; it must not be a way to read
    any file the deploying machine can (an absolute path, `../..`, a symlink out), whose content would land
    in a ConfigMap, the rendered manifests and the state."""
    if Path(ref).is_absolute() or ref.startswith("~"):
        return "must be a path relative to the agent file, not an absolute one"
    try:
        path = (agent_file.parent / ref).resolve()
        inside = path.is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
        return f"cannot be resolved: {exc}"
    if not inside:
        return "is outside the fleet's directory (symlinks followed): character files live beside the agent files"
    return path


def load_character_file(
    ref: str,
    agent_file: Path,
    display: str,
    line: int,
    platforms: set[str] | None,
    provider: str | None,
    root: Path | None = None,
) -> LoadedCharacter:
    """Load `ref` relative to the agent file, inside `root` (the fleet's directory; None: the agent has no
    directory, e.g. it came from an API request, and may not name a file). Problems point at the JSON file's
    key where there is one, else at the agent file's `characterFile` line."""
    shown = str(Path(display).parent / ref)

    def refuse(message: str) -> LoadedCharacter:
        return LoadedCharacter(None, [Problem(display, line, "characterFile", message)])

    if root is None:
        return refuse("an agent without a directory of files cannot name a character file: give `character:` inline")
    path = contained(ref, agent_file, root)
    if isinstance(path, str):
        return refuse(f"{ref} {path}")
    try:
        is_file, is_dir = path.is_file(), path.is_dir()
    except OSError as exc:  # pathlib lets ENAMETOOLONG and EACCES through (found by tests/fuzz)
        return refuse(f"the path cannot be read: {exc.strerror}")
    if not is_file:
        what = "is a directory, not a character JSON file" if is_dir else "does not exist"
        return refuse(f"file {shown} {what} (paths are relative to the agent file)")
    raw, problems = read_bounded(path, shown)
    if raw is None:
        return refuse(f"{shown} {problems[0].message}" if problems else f"cannot read {shown}")
    doc, problems = parse_json_bytes(raw, shown, f" in characterFile of {display}")
    if doc is None:
        return LoadedCharacter(None, problems)
    return check_character_document(doc, platforms, provider)


def check_character_document(doc: SourceDoc, platforms: set[str] | None, provider: str | None) -> LoadedCharacter:
    """A parsed character file: converted from v0 if it is one, then checked like every character."""
    data: dict[str, Any] = doc.data
    notes: list[str] = []
    problems: list[Problem] = []
    reported = set(character_v0.REFUSED_KEYS)  # keys whose v0 problem is said already, not again as unknown
    if character_v0.is_v0(data):
        conversion = character_v0.convert(data, platforms, provider)
        data = conversion.character
        notes = [f"{doc.path}: converted from elizaOS v0: {note}" for note in conversion.notes]
        problems += [Problem(doc.path, doc.line_of(loc), field_path(loc), m) for loc, m in conversion.problems]
        reported |= {str(loc[0]) for loc, _ in conversion.problems}
    problems += schema_problems(doc, data, frozenset(reported))
    problems += check_rules(data, lambda loc: (doc.path, doc.line_of(loc)))
    return LoadedCharacter(None if problems else data, problems, notes)
