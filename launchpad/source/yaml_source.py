"""YAML documents with the line of every value, so errors can point at `FILE:LINE`, read within bounds
(launchpad/source/limits.py).

libyaml's parser (PyYAML's C binding, when built with it as the PyPI wheels are) hands out events without
recursing; we compose the node tree from those events ourselves, without recursion, counting depth and the
size of the tree with every alias expanded, and stop at the first bound crossed with its line. Only a tree
within bounds reaches PyYAML's constructor (the safe one: no tag can run code), whose recursion is then
bounded too. We walk the node tree once more to record the line of each path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from launchpad.errors import Problem, field_path
from launchpad.source.limits import (
    DEFAULT_LIMITS,
    Limits,
    decode_utf8,
    read_bounded,
    too_big,
    too_deep,
    too_many,
)

Loc = tuple[str | int, ...]


@dataclass
class SourceDoc:
    """One parsed document: its data and the line (1-based) of each path in it."""

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


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, whose constructor reports a value Python cannot hold (a date like 2024-13-45, an int
    of 5,000 digits) as a YAML error at its node instead of a bare ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            message = f"cannot read this value: {exc}"
            raise yaml.constructor.ConstructorError(None, None, message, node.start_mark) from None


class _Bound(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Open:
    """A collection being composed: its node, the anchor it defines, its size with aliases expanded."""

    __slots__ = ("anchor", "flat", "node", "size")

    def __init__(self, node: yaml.CollectionNode, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.flat: list[yaml.Node] = []  # children in order (a mapping's keys and values alternate)
        self.size = 1


def _compose(loader: _Loader, limits: Limits) -> yaml.Node | None:
    """The single document of the stream as a node tree, within `limits` (raises _Bound, or yaml's own
    MarkedYAMLError for a syntax error). What PyYAML's composer does, without its recursion."""
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStart
    anchors: dict[str, tuple[yaml.Node, int]] = {}  # anchor -> (node, expanded size), once closed
    stack: list[_Open] = []
    total = 0  # values so far, every alias expanded
    root: yaml.Node | None = None

    def count(size: int, line: int) -> None:
        nonlocal total
        total += size
        if total > limits.max_nodes:
            raise _Bound(line, too_many(limits))

    def define(anchor: str | None, event: Any) -> None:
        if anchor is not None and (anchor in anchors or any(o.anchor == anchor for o in stack)):
            raise yaml.composer.ComposerError(None, None, f"found duplicate anchor {anchor!r}", event.start_mark)

    def attach(node: yaml.Node, size: int) -> None:
        nonlocal root
        if stack:
            stack[-1].flat.append(node)
            stack[-1].size += size
        else:
            root = node

    while not loader.check_event(yaml.DocumentEndEvent):
        event = loader.get_event()
        start: Any = event.start_mark  # libyaml's events carry a Mark type of their own
        end: Any = event.end_mark
        line = start.line + 1
        if isinstance(event, yaml.AliasEvent):
            if any(open_.anchor == event.anchor for open_ in stack):
                raise _Bound(line, f"alias *{event.anchor} refers to the collection it is in (a cycle)")
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", start
                )
            node, size = anchors[event.anchor]
            count(size, line)
            attach(node, size)
        elif isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value, start, end, style=event.style)
            define(event.anchor, event)
            if event.anchor is not None:
                anchors[event.anchor] = (node, 1)
            count(1, line)
            attach(node, 1)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            if len(stack) >= limits.max_depth:
                raise _Bound(line, too_deep(limits))
            kind: type[yaml.CollectionNode] = (
                yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
            )
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            define(event.anchor, event)
            count(1, line)
            stack.append(_Open(kind(tag, [], start, None, flow_style=event.flow_style), event.anchor))
        else:  # SequenceEnd or MappingEnd
            done = stack.pop()
            done.node.end_mark = end
            if isinstance(done.node, yaml.MappingNode):
                done.node.value = list(zip(done.flat[::2], done.flat[1::2], strict=True))
            else:
                done.node.value = done.flat
            if done.anchor is not None:
                anchors[done.anchor] = (done.node, done.size)
            attach(done.node, done.size)
    loader.get_event()  # DocumentEnd
    if not loader.check_event(yaml.StreamEndEvent):
        extra: Any = loader.get_event()
        raise yaml.composer.ComposerError(
            None, None, "expected one document, but found another one (a `---` line)", extra.start_mark
        )
    return root


def _key(node: yaml.Node) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else "<complex key>"


def _record(root: yaml.Node, lines: dict[Loc, int], problems: list[Problem], path: str) -> None:
    """The line of every path, without recursion (aliases make the tree a DAG walked once per path: at most
    max_nodes visits). A key's line is where the key is written, which is where people look for it. A
    duplicate key is a problem at the later key, and the later value's lines are the ones recorded: it is the
    value YAML keeps, so any problem found in it points at it."""
    stack: list[tuple[yaml.Node, Loc, int]] = [(root, (), root.start_mark.line + 1)]
    while stack:
        node, loc, line = stack.pop()
        lines[loc] = line
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            kept: dict[Any, tuple[yaml.Node, int]] = {}
            for key_node, value_node in node.value:
                key, key_line = _key(key_node), key_node.start_mark.line + 1
                if key in seen:
                    message = f"duplicate key (first defined on line {seen[key]})"
                    problems.append(Problem(path, key_line, field_path((*loc, key)), message))
                else:
                    seen[key] = key_line
                kept[key] = (value_node, key_line)
            stack.extend((value, (*loc, key), key_line) for key, (value, key_line) in kept.items())
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, index), item.start_mark.line + 1) for index, item in enumerate(node.value))


def parse_yaml(text: str, display: str, limits: Limits = DEFAULT_LIMITS) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse YAML text (one document, a mapping at the top). Returns (doc, problems); doc is None when the
    text cannot be used at all."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        return None, [Problem(display, 1, "", too_big(size, limits))]
    loader = _Loader(text)
    try:
        node = _compose(loader, limits)
        if node is None:
            return None, [Problem(display, 1, "", "file is empty; an agent file is a YAML mapping")]
        problems: list[Problem] = []
        lines: dict[Loc, int] = {}
        _record(node, lines, problems, display)
        data = loader.construct_document(node)
    except _Bound as exc:
        return None, [Problem(display, exc.line, "", exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        opened = ""
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            opened = f" ({exc.context} on line {exc.context_mark.line + 1})"
        return None, [Problem(display, line, "", f"invalid YAML: {exc.problem or exc}{opened}")]
    except RecursionError:  # a chain of `<<` merges, each through an alias of the next
        return None, [Problem(display, 1, "", too_deep(limits))]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: a position, no mark
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return None, [Problem(display, line, "", f"invalid YAML: {exc.reason} (U+{char:04X})")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 1, "", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [Problem(display, 1, "", "top level must be a mapping of fields")]
    return SourceDoc(display, data, lines), problems


def load_yaml(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> tuple[SourceDoc | None, list[Problem]]:
    """Read and parse one YAML file within `limits` (size first: a larger file is not read whole)."""
    raw, problems = read_bounded(path, display, limits)
    if raw is None:
        return None, problems
    text, problems = decode_utf8(raw, display)
    if text is None:
        return None, problems
    return parse_yaml(text, display, limits)
