"""Character files through `validate` and `convert-character`, as a user runs them: the README's examples
(docs/examples/characters/) give exactly these lines, and v0 files that cannot convert say why at FILE:LINE."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from launchpad.fleet import FleetError, load_fleet
from tests.fleet.fleet_files import BASE, write_fleet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = "docs/examples/characters"
CONVERTED = f"{EXAMPLES}/v0.json: converted from elizaOS v0: "


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "launchpad", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_v0_file_is_converted_and_validate_says_what_it_did() -> None:
    result = _cli("validate", f"{EXAMPLES}/v0-agent.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{CONVERTED}lore (2 items) appended to bio",
        f"{CONVERTED}messageExamples: `user` -> `name` in 2 message(s)",
        f"{CONVERTED}messageExamples: `content.action` -> `content.actions` in 1 message(s)",
        f"{CONVERTED}clients [discord] -> platforms [discord] of the agent file",
        f"{CONVERTED}modelProvider 'openai' -> the agent file's model.provider",
        f"{CONVERTED}empty settings.secrets dropped",
        "1 agent(s) valid in 1 file(s): 1 namespace(s), 0 tenant(s), 0 image(s) to build",
    ]


def test_a_develop_branch_file_is_refused_at_its_line() -> None:
    result = _cli("validate", f"{EXAMPLES}/develop-agent.yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{EXAMPLES}/develop.json:5: messageExamples[0]: `{{examples: [...]}}` is the elizaOS develop-branch shape; 1.7.2 reads a conversation as a list of `{{name, content}}` messages: replace this object with its `examples` list",
        "1 problem(s); nothing was deployed",
    ]


def test_unknown_keys_secrets_and_inert_settings_are_refused_at_their_lines() -> None:
    result = _cli("validate", f"{EXAMPLES}/typo-agent.yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{EXAMPLES}/typo.json:4: adjective: unknown key `adjective`: elizaOS 1.7.2 refuses a character with keys it does not know; did you mean `adjectives`?",
        f"{EXAMPLES}/typo.json:6: settings.OPENAI_API_KEY: `OPENAI_API_KEY` looks like a credential: remove it from the character and declare it in the agent file as `secrets: {{OPENAI_API_KEY: {{config: <key>}}}}` (value not shown)",
        f"{EXAMPLES}/typo.json:6: settings.model: `settings.model` does nothing in elizaOS 1.7 (model plugins read <PROVIDER>_SMALL_MODEL and <PROVIDER>_LARGE_MODEL): remove it and set `model: {{name: ...}}` (or `small`/`large`) in the agent file",
        "3 problem(s); nothing was deployed",
    ]
    assert "sk-proj" not in result.stderr


def test_convert_character_writes_the_v1_file_and_what_to_declare(tmp_path: Path) -> None:
    out = tmp_path / "omni.json"
    result = _cli("convert-character", "agents/characters/omni.json", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        f"wrote {out}",
        "in the agent file, declare: platforms: {discord: {}, telegram: {}, twitter: {}}; model: {provider: openrouter}",
    ]
    converted = json.loads(out.read_text())
    assert "lore" not in converted and "clients" not in converted and "modelProvider" not in converted
    assert converted["messageExamples"][0][0] == {"name": "{{user1}}", "content": {"text": "When is the next release?"}}


def test_convert_character_writes_nothing_for_a_file_it_cannot_convert(tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    result = _cli("convert-character", "tests/runtime/characters/v0-refused-people.json", str(out))
    assert result.returncode == 1 and not out.exists()
    assert result.stderr.splitlines()[0] == (
        "tests/runtime/characters/v0-refused-people.json:1: people: `people` is elizaOS v0 and 1.7.2 refuses it: remove it (1.7 has no list of known people)"
    )


def test_convert_character_says_when_it_cannot_write(tmp_path: Path) -> None:
    result = _cli("convert-character", "agents/characters/omni.json", str(tmp_path))  # a directory
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{tmp_path}: cannot write: Is a directory"]
    assert "wrote" not in result.stdout


V0_FILE = BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: c.json\n")
# fmt: off
V0_CASES = {
    "client_not_declared": ('{\n "name": "x",\n "bio": "y",\n "clients": ["telegram", "discord"],\n "modelProvider": "openai"\n}', [
        "agents/c.json:4: clients[1]: v0 client 'discord': declare it in the agent file as `platforms: {discord: {}}`",
    ]),
    "unknown_client": ('{"name": "x", "bio": "y", "clients": ["farcaster"]}', [
        "agents/c.json:1: clients[0]: v0 client 'farcaster' has no platform here (direct, discord, telegram, twitter)",
    ]),
    "provider_differs": ('{\n "name": "x",\n "bio": "y",\n "modelProvider": "anthropic"\n}', [
        "agents/c.json:4: modelProvider: v0 modelProvider 'anthropic' differs from the agent file's `model.provider: openai`; make them agree (the agent file decides the plugin)",
    ]),
    "refused_keys": ('{\n "name": "x",\n "bio": "y",\n "lore": [],\n "twitterProfile": {"id": "1"},\n "clientConfig": {}\n}', [
        "agents/c.json:5: twitterProfile: `twitterProfile` is elizaOS v0 and 1.7.2 refuses it: remove it: the Twitter account is the one of the agent's TWITTER_* secrets",
        "agents/c.json:6: clientConfig: `clientConfig` is elizaOS v0 and 1.7.2 refuses it: remove it and set the plugin's own env instead, e.g. `env: {DISCORD_SHOULD_IGNORE_BOT_MESSAGES: true}`",
    ]),
    # One problem for one mistake: a v0 key that cannot convert is not also an "unknown key".
    "clients_not_a_list": ('{"name": "x", "bio": "y", "clients": [1]}', [
        "agents/c.json:1: clients: `clients` (elizaOS v0) must be a list of client names",
    ]),
    "lore_not_strings": ('{"name": "x", "bio": "y", "lore": [1, 2]}', [
        "agents/c.json:1: lore: `lore` (elizaOS v0) must be a list of strings to be merged into `bio`",
    ]),
    "nan_is_not_json": ('{"name": "x", "bio": "y", "settings": {"t": NaN}}', [
        "agents/c.json:1: invalid JSON in characterFile of agents/bot.yaml: NaN is not JSON",
    ]),
}
# fmt: on


@pytest.mark.parametrize("case", sorted(V0_CASES))
def test_v0_files_that_cannot_convert(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = V0_CASES[case]
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, {"bot.yaml": V0_FILE, "c.json": text})
    with pytest.raises(FleetError) as caught:
        load_fleet([Path("agents")])
    assert [str(p) for p in caught.value.problems] == expected
