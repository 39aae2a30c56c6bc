"""Our character model against elizaOS's own validator (`validateCharacter` of @elizaos/core at the pinned
version, run with node): the same verdict on every file of a corpus in both formats, and every character the
example fleet renders into its ConfigMaps passes it. A drift of either side fails here, file by file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from launchpad.character.read import check_rules
from launchpad.character.schema import ElizaCharacter
from launchpad.character.v0 import convert, is_v0
from launchpad.fleet import load_fleet
from launchpad.runtime.validator import Verdict, validate_characters
from launchpad.workloads.pod import character_json
from tests.runtime.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((Path(__file__).parent / "characters").glob("*.json"))


def _ours(character: Any) -> bool:
    try:
        ElizaCharacter.model_validate(character)
    except ValidationError:
        return False
    return True


def _converted(path: Path) -> dict[str, Any]:
    return convert(json.loads(path.read_text()), None, None).character


# Every example that renders: the fleet, and the README's converted v0 file (the other two examples are refused).
EXAMPLES = [ROOT / "agents", ROOT / "docs" / "examples" / "characters" / "v0-agent.yaml"]


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    """What each example puts in each agent's ConfigMap, parsed back as the runtime reads it."""
    return {a.name: json.loads(character_json(a)) for path in EXAMPLES for a in load_fleet([path]).agents}


@pytest.fixture(scope="module")
def verdicts(rendered: dict[str, Any]) -> dict[str, Verdict]:
    """elizaOS's verdict on every corpus file, every converted v0 file and every rendered character (one run)."""
    require_tools("node", "npm")
    inputs: dict[str, Any] = {p.name: json.loads(p.read_text()) for p in CORPUS}
    inputs |= {f"converted:{p.name}": _converted(p) for p in CORPUS if p.name.startswith("v0-")}
    inputs |= {f"rendered:{name}": character for name, character in rendered.items()}
    return dict(zip(inputs, validate_characters(list(inputs.values())), strict=True))


def test_the_corpus_covers_both_formats_and_awkward_files() -> None:
    names = [p.name for p in CORPUS]
    assert sum(n.startswith("valid-") for n in names) >= 6
    assert sum(n.startswith("invalid-") for n in names) >= 12
    assert sum(n.startswith("v0-") for n in names) >= 4
    assert "invalid-develop-branch-examples.json" in names and "invalid-unknown-key.json" in names


def test_our_schema_gives_elizaos_verdict_on_every_corpus_file(verdicts: dict[str, Verdict]) -> None:
    disagreements = []
    for path in CORPUS:
        theirs, ours = verdicts[path.name].success, _ours(json.loads(path.read_text()))
        if theirs != ours:
            disagreements.append(f"{path.name}: elizaOS {theirs} ({verdicts[path.name].issues}), ours {ours}")
    assert disagreements == []


def test_the_corpus_says_what_it_expects(verdicts: dict[str, Verdict]) -> None:
    # Agreement alone would pass if both sides were wrong the same way: the names say what elizaOS must do.
    for path in CORPUS:
        assert verdicts[path.name].success == path.name.startswith("valid-"), path.name


def test_v0_files_are_refused_by_elizaos_and_pass_once_converted(verdicts: dict[str, Verdict]) -> None:
    for path in (p for p in CORPUS if p.name.startswith("v0-")):
        raw = json.loads(path.read_text())
        assert is_v0(raw) and not verdicts[path.name].success, path.name
        conversion = convert(raw, None, None)
        refused = conversion.problems or check_rules(conversion.character, lambda loc: ("file", 1))
        if path.name.startswith("v0-refused-"):
            assert refused, f"{path.name} must be refused with a v0 message"
        else:
            assert not refused and verdicts[f"converted:{path.name}"].success, path.name
            assert _ours(conversion.character), path.name


def test_schema_valid_characters_with_secret_values_are_still_refused() -> None:
    path = Path(__file__).parent / "characters" / "valid-refused-secrets.json"
    found = {p.field for p in check_rules(json.loads(path.read_text()), lambda loc: (path.name, 1))}
    assert found == {"secrets.DISCORD_API_TOKEN", "settings.nested.apiToken", "settings.endpoint"}


def test_every_rendered_character_passes_elizaos(verdicts: dict[str, Verdict], rendered: dict[str, Any]) -> None:
    assert {"omni-agent", "support-assistant", "crypto-trading-bot", "v0-agent"} <= set(rendered)
    for name, character in rendered.items():
        assert verdicts[f"rendered:{name}"] == Verdict(True, ()), name
        assert _ours(character), name
