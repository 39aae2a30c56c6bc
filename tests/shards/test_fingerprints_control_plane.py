"""The control plane's image holds code only (launchpad/images/control_plane.py): a change of the fleet in git
(an agent file, a character, a lock, defaults.yaml) leaves its tag, and so the platform's fingerprint, alone, so
`shards plan` runs only the changed agent's shard; a change of the code is a new tag, and runs the platform
that rolls the control plane onto it. (The deploy workers get the fleet's files from the database instead:
tests/deployer, tests/db/test_fleet_sources.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

from launchpad.fleet import load_fleet
from launchpad.images.control_plane import ControlPlaneBuild, context_files
from launchpad.stacks.fingerprints import control_plane_tag, platform_fingerprint
from tests.fleet.fleet_files import BASE, write_fleet

PLATFORM = "prod"
PLANE = "  agent-launchpad:controlPlane:\n    registry: registry.example.com/launchpad\n"
REGISTRY = "registry.example.com/launchpad"


def _fingerprint(root: Path) -> str:
    return platform_fingerprint(root, PLATFORM, load_fleet([root / "agents"], require_locks=False))


def _project(root: Path, plane: bool) -> Path:
    write_fleet(root, {"bot.yaml": BASE})
    settings = "config:\n  agent-launchpad:sharding: {by: hash, count: 2}\n" + (PLANE if plane else "")
    (root / f"Pulumi.{PLATFORM}.yaml").write_text(settings)
    (root / "launchpad").mkdir()
    (root / "launchpad" / "cli.py").write_text("print('the code')\n")
    return root


def test_an_agent_edit_leaves_the_tag_and_the_platform_alone(tmp_path: Path) -> None:
    root = _project(tmp_path, plane=True)
    tag, before = control_plane_tag(root, PLATFORM), _fingerprint(root)
    assert tag is not None
    (root / "agents" / "bot.yaml").write_text(BASE.replace("bio: A test bot.", "bio: A changed bot."))
    (root / "agents" / "locks").mkdir(exist_ok=True)
    (root / "agents" / "locks" / "unused.lock").write_text("{}\n")
    assert control_plane_tag(root, PLATFORM) == tag
    assert _fingerprint(root) == before


def test_a_code_change_is_a_new_tag_and_runs_the_platform(tmp_path: Path) -> None:
    root = _project(tmp_path, plane=True)
    tag, before = control_plane_tag(root, PLATFORM), _fingerprint(root)
    (root / "launchpad" / "cli.py").write_text("print('the code, changed')\n")
    assert control_plane_tag(root, PLATFORM) != tag
    assert _fingerprint(root) != before


def test_the_image_copies_no_agent_file(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    files = context_files(root)
    assert not [f for f in files if f.startswith("agents/")]
    assert "launchpad/images/control_plane.py" in files
    assert "supabase/migrations/20261208100000_fleet_sources.sql" in files
    assert "COPY --chown=root:root agents" not in ControlPlaneBuild.of(root, REGISTRY).dockerfile()
    # The checkout's own fleet changes nothing of the tag: a copy without it has the same one.
    copy = tmp_path / "copy"
    for name in files:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, copy / name)
    assert ControlPlaneBuild.of(copy, REGISTRY).tag == ControlPlaneBuild.of(root, REGISTRY).tag


def test_without_the_control_plane_an_agent_edit_is_its_shards_alone(tmp_path: Path) -> None:
    root = _project(tmp_path, plane=False)
    before = _fingerprint(root)
    assert control_plane_tag(root, PLATFORM) is None
    (root / "agents" / "bot.yaml").write_text(BASE.replace("bio: A test bot.", "bio: A changed bot."))
    assert _fingerprint(root) == before
