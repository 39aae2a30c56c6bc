"""A platform that deploys the control plane runs again whenever a git file of the fleet changes: its workers'
image carries the agent files (launchpad/images/control_plane.py), and `shards plan` finds the platform to run
by its fingerprint. Without the setting, a one-agent change leaves the platform's fingerprint alone."""

from __future__ import annotations

from pathlib import Path

from launchpad.fleet import load_fleet
from launchpad.stacks.fingerprints import control_plane_tag, platform_fingerprint
from tests.fleet.fleet_files import BASE, write_fleet

PLATFORM = "prod"
PLANE = "  agent-launchpad:controlPlane:\n    registry: registry.example.com/launchpad\n"


def _fingerprint(root: Path) -> str:
    return platform_fingerprint(root, PLATFORM, load_fleet([root / "agents"], require_locks=False))


def _project(root: Path, plane: bool) -> Path:
    write_fleet(root, {"bot.yaml": BASE})
    settings = "config:\n  agent-launchpad:sharding: {by: hash, count: 2}\n" + (PLANE if plane else "")
    (root / f"Pulumi.{PLATFORM}.yaml").write_text(settings)
    return root


def test_an_agent_edit_runs_the_platform_that_deploys_the_control_plane(tmp_path: Path) -> None:
    root = _project(tmp_path, plane=True)
    tag, before = control_plane_tag(root, PLATFORM), _fingerprint(root)
    assert tag is not None
    (root / "agents" / "bot.yaml").write_text(BASE.replace("bio: A test bot.", "bio: A changed bot."))
    assert control_plane_tag(root, PLATFORM) != tag
    assert _fingerprint(root) != before


def test_without_the_control_plane_an_agent_edit_is_its_shards_alone(tmp_path: Path) -> None:
    root = _project(tmp_path, plane=False)
    before = _fingerprint(root)
    assert control_plane_tag(root, PLATFORM) is None
    (root / "agents" / "bot.yaml").write_text(BASE.replace("bio: A test bot.", "bio: A changed bot."))
    assert _fingerprint(root) == before
