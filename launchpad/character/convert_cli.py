"""`python -m launchpad convert-character IN OUT`: write the elizaOS 1.7 form of a character file (a v0 file
converted, a v1 file checked), or say at IN:LINE what stops it. Nothing is written when there is a problem."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from launchpad.character import v0 as character_v0
from launchpad.character.read import check_character_document
from launchpad.source.json_source import parse_json_bytes
from launchpad.source.limits import read_bounded


def _convert(args: argparse.Namespace) -> int:
    source, target = Path(args.input), Path(args.output)
    content, problems = read_bounded(source, str(source))
    if content is None:
        print(f"{source}:1: {problems[0].message}", file=sys.stderr)
        return 1
    doc, problems = parse_json_bytes(content, str(source))
    raw = doc.data if doc is not None else {}
    loaded = check_character_document(doc, None, None) if doc is not None else None
    problems += loaded.problems if loaded is not None else []
    if loaded is None or loaded.character is None or problems:
        for problem in sorted(problems):
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s); {target} was not written", file=sys.stderr)
        return 1
    try:
        target.write_text(json.dumps(loaded.character, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"{target}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for note in loaded.notes:
        print(note)
    print(f"wrote {target}")
    declare = _declarations(raw)
    if declare:
        print(f"in the agent file, declare: {declare}")
    return 0


def _declarations(raw: dict[str, object]) -> str:
    """What the v0 file said that now belongs in the agent file."""
    parts = []
    clients = raw.get("clients")
    if isinstance(clients, list):
        platforms = sorted({character_v0.CLIENT_PLATFORMS[c.lower()] for c in clients if isinstance(c, str)} - {"web"})
        if platforms:
            parts.append("platforms: {" + ", ".join(f"{p}: {{}}" for p in platforms) + "}")
    if isinstance(raw.get("modelProvider"), str):
        parts.append(f"model: {{provider: {str(raw['modelProvider']).lower()}}}")
    return "; ".join(parts)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    convert = sub.add_parser("convert-character", help="write the elizaOS 1.7 form of a (v0) character file")
    convert.add_argument("input", help="character JSON file (elizaOS v0 or v1)")
    convert.add_argument("output", help="where to write the 1.7 character")
    convert.set_defaults(func=_convert)
