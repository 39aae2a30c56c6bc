"""Loading a `characterFile`: an existing elizaOS character JSON (v1, or v0 with lore/clients/modelProvider)
must load as is. We check only what the runtime needs (`name`, `bio`) and what would leak: secret values
would end up in the character ConfigMap, which is not a Secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from launchpad.spec.errors import Problem


def _secret_values(character: dict[str, Any]) -> list[str]:
    """Paths of non-empty secret values in a character (`secrets`, `settings.secrets`)."""
    found = []
    for path, holder in (
        ("secrets", character.get("secrets")),
        ("settings.secrets", (character.get("settings") or {}).get("secrets")),
    ):
        if isinstance(holder, dict):
            found += [f"{path}.{key}" for key, value in holder.items() if value not in (None, "")]
    return found


def load_character_file(
    ref: str, agent_file: Path, display: str, line: int
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Load `ref` relative to the agent file. Problems point at the JSON file for JSON errors, else at the
    agent file's `characterFile` line."""
    path = (agent_file.parent / ref).resolve()
    shown = str(Path(display).parent / ref)

    def problem(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(display, line, "characterFile", message)]

    if not path.is_file():
        return problem(f"file {shown} does not exist (paths are relative to the agent file)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                shown, exc.lineno, "", f"invalid JSON in characterFile of {display}: {exc.msg} (column {exc.colno})"
            )
        ]
    except (OSError, UnicodeDecodeError) as exc:
        return problem(f"cannot read {shown}: {exc}")
    if not isinstance(data, dict):
        return problem(f"{shown} must hold a JSON object (an elizaOS character)")
    problems = []
    if not isinstance(data.get("name"), str) or not data["name"]:
        problems.append(Problem(display, line, "characterFile", f"{shown} has no `name` (required by elizaOS)"))
    bio = data.get("bio")
    if not (isinstance(bio, str) or (isinstance(bio, list) and all(isinstance(b, str) for b in bio))):
        problems.append(
            Problem(
                display, line, "characterFile", f"{shown} has no `bio` string or list of strings (required by elizaOS)"
            )
        )
    for secret_path in _secret_values(data):
        problems.append(
            Problem(
                display,
                line,
                "characterFile",
                f"{shown} holds a value at `{secret_path}`; secret values must not be in character files "
                "(they would be stored in a ConfigMap): remove it and declare it under `secrets:`",
            )
        )
    return (None if problems else data), problems
