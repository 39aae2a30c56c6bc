"""Agent files as a hostile or careless user writes them (issue 18): every one is refused with FILE:LINE and a
message, promptly, within memory, never a traceback, and nothing of the fleet loads.

The memory-bounded cases run `python -m launchpad validate` in a child process under an address-space limit:
on the code before this issue a 362-byte alias bomb took 2.1 GB, a 9-level one died of MemoryError at 3.4 GB,
and 40,000 nested `[` killed the process with SIGSEGV."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from launchpad.fleet import FleetError, load_fleet
from tests.fleet.fleet_files import BASE, write_fleet

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 2**20  # the child's whole address space: interpreter, libraries and the input
FILE_CHARACTER = BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: {ref}\n")


def _validate(folder: Path) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-m", "launchpad", "validate", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=limit, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def _problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    with pytest.raises(FleetError) as caught:
        load_fleet([write_fleet(tmp_path, files)])
    return [str(p).split("/agents/", 1)[-1] for p in caught.value.problems]


def _bomb(levels: int) -> str:
    """The billion laughs: each level nine aliases of the one before (362 bytes at 9 levels)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (BASE + "labels:\n" + "".join(f"  k{i}: v\n" for i in range(3)) + _bomb(9), 30, "expands to more than 100,000"),
        (BASE + "x: " + "[" * 40_000 + "\n", 21, "nested more than 32 levels deep"),
    ],
    ids=["alias-bomb", "40000-brackets"],
)
def test_bombs_and_deep_nesting_are_a_line_not_a_crash(tmp_path: Path, text: str, line: int, message: str) -> None:
    folder = write_fleet(tmp_path, {"bot.yaml": text})
    done = _validate(folder)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.split("/agents/", 1)[-1].startswith(f"bot.yaml:{line}: ") and message in first, first


def test_a_character_file_larger_than_a_document_is_never_read_whole(tmp_path: Path) -> None:
    """A 3 GB characterFile ended in a MemoryError traceback; a 22 MB one rendered a 24.8 MB manifest. A
    sparse 3 GB file costs no disk here, and is refused from its size before a byte is read."""
    folder = write_fleet(tmp_path, {"bot.yaml": FILE_CHARACTER.replace("{ref}", "big.json")})
    with (folder / "big.json").open("wb") as big:
        big.truncate(3 * 2**30)
    done = _validate(folder)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    (first,) = done.stderr.splitlines()[:1]
    assert first.split("/agents/", 1)[-1].startswith("bot.yaml:3: characterFile: ")
    assert "big.json is 3,221,225,472 bytes or more, above the 1,048,576-byte limit of one document" in first


def test_a_character_that_renders_past_a_configmap_is_refused(tmp_path: Path) -> None:
    knowledge = ",".join(f'"fact {i}: {"x" * 200}"' for i in range(3_000))  # ~630 KB, under the file limit
    character = f'{{"name": "Big", "bio": "b", "knowledge": [{knowledge}]}}'
    problems = _problems(tmp_path, {"bot.yaml": FILE_CHARACTER.replace("{ref}", "c.json"), "c.json": character})
    (problem,) = problems
    assert problem.startswith("bot.yaml:3: characterFile: the character renders to ")
    assert "above the 524,288 one agent's ConfigMap may hold" in problem


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("/etc/passwd", "must be a path relative to the agent file, not an absolute one"),
        ("../../../../../../etc/hostname", "is outside the fleet's directory"),
        ("link.json", "is outside the fleet's directory"),
    ],
    ids=["absolute", "dot-dot", "symlink-out"],
)
def test_a_character_file_outside_the_fleet_is_never_read(tmp_path: Path, ref: str, why: str) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text('{"name": "Stolen", "bio": "whatever the deploying machine can read"}')
    folder = write_fleet(tmp_path, {"bot.yaml": FILE_CHARACTER.replace("{ref}", ref)})
    (folder / "link.json").symlink_to(outside)
    (problem,) = _problems(tmp_path, {})
    assert problem == f"bot.yaml:3: characterFile: {ref} {why}" + (
        " (symlinks followed): character files live beside the agent files" if "outside" in why else ""
    )


def test_a_character_file_name_too_long_for_the_filesystem_is_a_problem(tmp_path: Path) -> None:
    """pathlib's is_file() raises ENAMETOOLONG instead of answering False (found by tests/fuzz)."""
    (problem,) = _problems(tmp_path, {"bot.yaml": FILE_CHARACTER.replace("{ref}", "c" * 300 + ".json")})
    assert problem == "bot.yaml:3: characterFile: the path cannot be read: File name too long"


def test_an_agent_file_that_is_a_symlink_out_of_the_fleet_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(BASE)
    folder = write_fleet(tmp_path, {"bot.yaml": BASE})
    (folder / "other.yaml").symlink_to(elsewhere)
    assert _problems(tmp_path, {}) == [f"other.yaml:1: is a symlink to a file outside {os.path.relpath(folder)}"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (BASE.replace("name: bot", 'name: "nl-agent\\n"'), "name"),
        (BASE.replace("owner:", 'tenant: "acme\\n"\nowner:'), "tenant"),
        (BASE + 'env:\n  "LOG_LEVEL\\n": info\n', "env"),
        (BASE + 'labels:\n  team: "a\\n"\n', "labels.team"),
        (BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2", '  ref: "ghcr.io/acme/eliza:1.7.2\\nRUN curl x"'), "image.ref"),
        (BASE.replace("  requests: {cpu: 500m,", '  requests: {cpu: "500m\\n",'), "resources.requests.cpu"),
    ],
    ids=["name", "tenant", "env-name", "label-value", "image-ref", "quantity"],
)
def test_a_trailing_newline_never_passes_a_pattern(tmp_path: Path, text: str, field: str) -> None:
    """Python's `$` also matches before a final newline: `nl-agent\\n` validated and named files and
    namespaces with a newline in them."""
    problems = _problems(tmp_path, {"bot.yaml": text})
    assert any(p.split(": ", 1)[0].endswith(field) or f": {field}" in p for p in problems), problems


def test_two_agents_whose_objects_would_share_file_names_are_refused(tmp_path: Path) -> None:
    """tenant `a` + agent `b-c` and tenant `a-b` + agent `c`: the Kubernetes provider writes both agents'
    objects to `<apiVersion>-<kind>-tenant-a-b-c.yaml`."""
    first = BASE.replace("name: bot", "name: b-c").replace("owner:", "tenant: a\nowner:")
    second = BASE.replace("name: bot", "name: c").replace("owner:", "tenant: a-b\nowner:")
    second = second.replace("{config: tgToken}", "{config: otherTgToken}")
    (problem,) = _problems(tmp_path, {"one.yaml": first, "two.yaml": second})
    assert problem.startswith("two.yaml:1: name: agent 'c' in namespace tenant-a-b and agent 'b-c' in namespace tenant-a")
    assert "both flatten to 'tenant-a-b-c'" in problem


def test_one_bot_token_serves_one_agent(tmp_path: Path) -> None:
    discord = BASE.replace("  telegram: {mode: polling}", "  discord: {}").replace(
        "  TELEGRAM_BOT_TOKEN: {config: tgToken}", "  DISCORD_API_TOKEN: {config: sharedBot}\n  DISCORD_APPLICATION_ID: {config: app}"
    )
    files = {f"{n}.yaml": discord.replace("name: bot", f"name: {n}") for n in ("one", "two", "three")}
    problems = _problems(tmp_path, files)
    assert problems == [
        f"{n}.yaml:17: secrets.DISCORD_API_TOKEN: discord bot token config key sharedBot is also agent one's "
        f"({os.path.relpath(tmp_path / 'agents/one.yaml')}:17): one bot identity serves one agent (a second Discord "
        "gateway session without sharding handles every message twice); give this agent a bot of its own"
        for n in ("three", "two")
    ]


def test_a_duplicate_key_points_later_problems_at_the_value_yaml_keeps(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys; the follow-on problems in that value were reported at the first
    one's lines."""
    text = BASE.replace("scaling:\n  minReplicas: 1\n  maxReplicas: 1\n", "scaling:\n  minReplicas: 1\n") + (
        "scaling:\n  minReplicas: 1\n  maxReplicas: lots\n"
    )
    problems = _problems(tmp_path, {"bot.yaml": text})
    assert problems == [
        "bot.yaml:20: scaling: duplicate key (first defined on line 13)",
        "bot.yaml:22: scaling.maxReplicas: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_a_byte_that_is_not_utf8_is_reported_at_its_line(tmp_path: Path) -> None:
    folder = write_fleet(tmp_path, {})
    (folder / "bot.yaml").write_bytes(BASE.encode().replace(b"bio: A test bot.", b"bio: A test b\xf6t."))
    assert _problems(tmp_path, {}) == ["bot.yaml:5: the file is not UTF-8 text: byte 0xf6 at column 16"]


def test_what_lands_in_annotations_is_bounded(tmp_path: Path) -> None:
    """The API server caps an object's annotations at 256 KiB: a long description would pass every check and
    be refused by the cluster halfway through an `up`."""
    problems = _problems(tmp_path, {"bot.yaml": BASE.replace("name: bot", "name: bot\ndescription: " + "x" * 300_000)})
    assert problems == ["bot.yaml:2: description: String should have at most 1000 characters"]


def test_a_character_yaml_refuses_is_a_line_not_a_traceback(tmp_path: Path) -> None:
    """Found by tests/fuzz on the code before issue 18: a C1 control character ended in a ReaderError traceback."""
    problems = _problems(tmp_path, {"bot.yaml": BASE.replace("bio: A test bot.", "bio: A test\x87bot.")})
    assert problems == ["bot.yaml:5: invalid YAML: control characters are not allowed (U+0087)"]
