"""A plugin set without its lockfile is the agent's problem: `validate` names the agent and points at the line
of its own file that made the set new (its `model:`, `platforms:`, `plugins:` or knowledge line), or at its
`name:`, never at the defaults file its `image.build` came from (issue 19: the newcomer adding a second agent
met `agents/defaults.yaml:5: image.build: no lockfile ...` first)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from launchpad.fleet import FleetError, load_fleet
from tests.fleet.fleet_files import write_locks

ROOT = Path(__file__).resolve().parents[2]

DISCORD = "  DISCORD_APPLICATION_ID: {config: a}\n  DISCORD_API_TOKEN: {config: b}\n"
NEW_AGENT = """\
name: web-bot
owner: 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21
tenant: trading
character:
  name: Webby
  bio: Answers on the web.
platforms:
  web: {}
model:
  provider: openai
  name: gpt-4o-mini
secrets:
  OPENAI_API_KEY: {config: openaiApiKey}
"""


def _example_fleet(tmp_path: Path, **agents: str) -> Path:
    """The example fleet (its defaults file and committed locks) with `agents` added."""
    folder = tmp_path / "agents"
    shutil.copytree(ROOT / "agents", folder)
    for name, text in agents.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


def _problems(folder: Path) -> list[str]:
    """The problems as `validate` prints them, run from the folder's parent: `agents/<file>:<line>: ...`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder.parent)
        with pytest.raises(FleetError) as raised:
            load_fleet([Path(folder.name)])
    return [str(p) for p in raised.value.problems]


def _validate(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launchpad", "validate"], cwd=cwd, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60, check=False,
    )  # fmt: skip


def test_a_new_model_provider_is_reported_at_the_agents_model_line(tmp_path: Path) -> None:
    groq = NEW_AGENT.replace("provider: openai", "provider: groq").replace("OPENAI_API_KEY: {config: openaiApiKey}",
                                                                          "GROQ_API_KEY: {config: groqApiKey}")
    _example_fleet(tmp_path, **{"web-bot": groq})
    result = _validate(tmp_path)
    assert result.returncode == 1
    (problem, summary) = result.stderr.splitlines()
    assert problem.startswith(
        "agents/web-bot.yaml:10: model.provider: agent web-bot: no lockfile agents/locks/"
    ), problem
    assert problem.endswith(
        ".lock for this plugin set (@elizaos/plugin-groq@1.0.4 in no locked set); "
        "run `python -m launchpad lock` and commit it"
    ), problem
    assert "defaults.yaml" not in result.stderr and summary == "1 problem(s); nothing was deployed"


def test_a_new_platform_is_reported_at_its_platforms_line(tmp_path: Path) -> None:
    # crypto-trading-bot's set (openai, discord) plus telegram: telegram is what no lock holds with these.
    text = NEW_AGENT.replace("  web: {}\n", "  discord: {}\n  telegram: {mode: polling}\n").replace(
        "  OPENAI_API_KEY:", f"{DISCORD}  TELEGRAM_BOT_TOKEN: {{config: c}}\n  OPENAI_API_KEY:"
    )
    (problem,) = _problems(_example_fleet(tmp_path, **{"web-bot": text}))
    assert problem.startswith("agents/web-bot.yaml:9: platforms.telegram: agent web-bot: no lockfile ")
    assert "(@elizaos/plugin-telegram@1.6.4 in no locked set)" in problem


def test_an_agents_own_plugin_is_reported_at_its_plugins_entry(tmp_path: Path) -> None:
    text = NEW_AGENT.replace("platforms:\n", 'plugins:\n  - "@elizaos/plugin-farcaster@1.0.5"\nplatforms:\n')
    (problem,) = _problems(_example_fleet(tmp_path, **{"web-bot": text}))
    assert problem.startswith("agents/web-bot.yaml:8: plugins[0]: agent web-bot: no lockfile ")
    assert "(@elizaos/plugin-farcaster@1.0.5 in no locked set)" in problem


def test_a_set_of_locked_plugins_is_reported_at_the_agents_name(tmp_path: Path) -> None:
    """openai alone is locked only together with discord: the set is new, no plugin of it is."""
    (problem,) = _problems(_example_fleet(tmp_path, **{"web-bot": NEW_AGENT}))
    assert problem.startswith("agents/web-bot.yaml:1: name: agent web-bot: no lockfile ")
    assert "(every plugin of it is locked, in a set that also has @elizaos/plugin-discord@1.3.8)" in problem


def test_an_agents_own_image_build_is_reported_at_it(tmp_path: Path) -> None:
    """Another bun: the set's plugins are all locked; the agent file's own `image.build` made it new."""
    text = NEW_AGENT.replace("  web: {}\n", "  discord: {}\n").replace(
        "  OPENAI_API_KEY:", f"{DISCORD}  OPENAI_API_KEY:"
    ) + "image:\n  build: {bunVersion: 1.3.13}\n"
    (problem,) = _problems(_example_fleet(tmp_path, **{"web-bot": text}))
    assert problem.startswith("agents/web-bot.yaml:17: image.build: agent web-bot: no lockfile ")
    assert problem.endswith("for this plugin set; run `python -m launchpad lock` and commit it")


def test_knowledge_that_adds_plugin_knowledge_is_reported_at_the_knowledge(tmp_path: Path) -> None:
    # crypto-trading-bot's set (openai, discord) plus knowledge (support-assistant's holds it, without discord).
    text = NEW_AGENT.replace("  bio: Answers on the web.\n", "  bio: Answers on the web.\n  knowledge: [Be kind.]\n")
    text = text.replace("  web: {}\n", "  discord: {}\n").replace(
        "  OPENAI_API_KEY:", f"{DISCORD}  OPENAI_API_KEY:"
    )
    (problem,) = _problems(_example_fleet(tmp_path, **{"web-bot": text}))
    assert problem.startswith("agents/web-bot.yaml:7: character.knowledge: agent web-bot: no lockfile ")
    assert "(@elizaos/plugin-knowledge@1.6.1 in no locked set)" in problem


def test_with_no_lock_at_all_the_first_plugin_of_the_file_is_named(tmp_path: Path) -> None:
    folder = _example_fleet(tmp_path)
    shutil.rmtree(folder / "locks")
    problems = _problems(folder)
    assert [p.split(": ", 3)[:3] for p in problems] == [
        ["agents/crypto-trading-bot.yaml:23", "platforms.discord", "agent crypto-trading-bot"],
        ["agents/omni-agent.yaml:9", "plugins[0]", "agent omni-agent"],
        ["agents/support-assistant.yaml:10", "character.knowledge", "agent support-assistant"],
    ]


def test_locking_makes_them_valid(tmp_path: Path) -> None:
    folder = _example_fleet(tmp_path, **{"web-bot": NEW_AGENT})
    write_locks(folder)
    assert "web-bot" in {a.name for a in load_fleet([folder]).agents}
