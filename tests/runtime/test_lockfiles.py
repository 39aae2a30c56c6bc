"""Lockfile checks: a lock fits its plugin set exactly, or `validate` says what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path

from launchpad.images.build import ImageBuild
from launchpad.images.lockfiles import lock_path, parse_lock, read_lock, resolved_version, stale_reason

BUILD = ImageBuild("r.example.com/a", "1.7.2", "node:26.10.0-trixie-slim", "1.3.14", ("@elizaos/plugin-sql@1.7.2",))


def _lock(deps: dict[str, str], bun: str = "1.3.14") -> str:
    # The shape bun 1.3 writes: JSON with trailing commas.
    body = json.dumps(
        {"lockfileVersion": 1, "workspaces": {"": {"name": "eliza-runtime", "dependencies": deps}},
         "packages": {"bun": [f"bun@{bun}", "", {}, "sha512-x"]}},
        indent=2,
    )  # fmt: skip
    return body.replace('"\n', '",\n').replace("}\n", "},\n").replace("]\n", "],\n").rstrip(",\n") + "\n"


def test_trailing_commas_are_read() -> None:
    lock = parse_lock(_lock(BUILD.dependencies()))
    assert resolved_version(lock, "bun") == "1.3.14"


def test_a_lock_of_the_set_fits(tmp_path: Path) -> None:
    lock_path(tmp_path, BUILD).write_text(_lock(BUILD.dependencies()))
    text, wrong = read_lock(tmp_path, BUILD)
    assert wrong is None and text is not None


def test_a_missing_lock_is_named(tmp_path: Path) -> None:
    assert read_lock(tmp_path, BUILD) == (None, f"no lockfile {tmp_path}/{BUILD.set_hash}.lock for this plugin set")


def test_a_lock_of_other_dependencies_is_stale() -> None:
    deps = {**BUILD.dependencies(), "@elizaos/plugin-sql": "1.7.1"}
    assert stale_reason(_lock(deps), BUILD) == (
        "its dependencies differ from the plugin set's: @elizaos/plugin-sql@1.7.1, @elizaos/plugin-sql@1.7.2"
    )


def test_a_lock_resolving_another_bun_is_stale() -> None:
    assert stale_reason(_lock(BUILD.dependencies(), bun="1.4.5"), BUILD) == (
        "it resolves bun 1.4.5, the image runs bun 1.3.14"
    )


def test_garbage_is_stale() -> None:
    assert (stale_reason("not json", BUILD) or "").startswith("it is not a readable bun.lock")


def test_every_committed_lock_fits_its_set() -> None:
    from launchpad.fleet import load_fleet

    fleet = load_fleet([Path(__file__).resolve().parents[2] / "agents"])  # refuses a missing or stale lock
    assert {b.set_hash for b in fleet.images().values()} == {
        p.stem for p in (Path(__file__).resolve().parents[2] / "agents" / "locks").glob("*.lock")
    }


def test_the_agents_of_one_plugin_set_share_one_locked_build(tmp_path: Path) -> None:
    """Read and hashed once per set, not once per agent (the tag hashes the whole lockfile)."""
    from launchpad.fleet import load_fleet
    from tests.fleet.fleet_files import BASE, write_fleet

    agent = BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2", "  build: {}")
    # Each its own Telegram bot: one bot identity serves one agent (launchpad/fleet/across.py).
    files = {
        f"b{n}.yaml": agent.replace("name: bot", f"name: b{n}").replace("{config: tgToken}", f"{{config: tg{n}}}")
        for n in range(3)
    }
    folder = write_fleet(tmp_path, {**files, "defaults.yaml": "registry: r.example.com/a\n"})
    builds = [a.image_build for a in load_fleet([folder]).agents]
    assert builds[0] is not None and builds[0].lockfile
    assert all(b is builds[0] for b in builds)
