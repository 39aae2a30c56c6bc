"""YAML documents with the line of every value, so errors can point at `FILE:LINE`.

PyYAML's composer keeps a start mark on every node; we walk the node tree once and record the line of each
path. Values come from the safe constructor, so no tag can run code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from launchpad.errors import Problem, field_path

Loc = tuple[str | int, ...]
TOO_DEEP = "nested too deeply to read (hundreds of levels): no agent file or character needs that"


@dataclass
class SourceDoc:
    """One parsed YAML file: its data and the line (1-based) of each path in it."""

    path: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line of the deepest existing prefix of `loc`: an unknown or missing key points at its parent."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return 1


# libyaml's parser when PyYAML was built with it (PyPI wheels are): about 10x faster than pure Python.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _record(node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem], path: str) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                problems.append(
                    Problem(
                        path,
                        key_node.start_mark.line + 1,
                        _join(loc, key),
                        f"duplicate key (first defined on line {seen[key]})",
                    )
                )
                continue
            seen[key] = key_node.start_mark.line + 1
            # A key's line is where the key is written, which is where people look for it.
            _record(value_node, (*loc, key), lines, problems, path)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*loc, index), lines, problems, path)


def _join(loc: Loc, key: str) -> str:
    return field_path((*loc, key))


def load_yaml(path: Path, display: str) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse one YAML file. Returns (doc, problems); doc is None when the file cannot be used at all."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(display, 1, "", f"cannot read file: {exc}")]
    # One parse: compose the node tree (it carries the line marks), then construct plain data from it with
    # the safe constructor, so no tag can run code.
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        opened = ""
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            opened = f" ({exc.context} on line {exc.context_mark.line + 1})"
        return None, [Problem(display, line, "", f"invalid YAML: {exc.problem or exc}{opened}")]
    if node is None:
        loader.dispose()
        return None, [Problem(display, 1, "", "file is empty; an agent file is a YAML mapping")]
    # Duplicate keys are refused: YAML would silently keep the last one, which hides a copy-paste mistake
    # (two `secrets:` blocks, say).
    problems: list[Problem] = []
    lines: dict[Loc, int] = {}
    try:
        _record(node, (), lines, problems, display)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:  # e.g. an unknown tag: composing succeeded, constructing did not
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return None, [Problem(display, line, "", f"invalid YAML: {exc.problem or exc}")]
    except RecursionError:  # walking the node tree: hundreds of nested collections
        return None, [Problem(display, 1, "", TOO_DEEP)]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [Problem(display, 1, "", "top level must be a mapping of fields")]
    return SourceDoc(display, data, lines), problems
