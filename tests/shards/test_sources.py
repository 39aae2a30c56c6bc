"""Which git files a stack records for the deploy workers (launchpad/stacks/sources.py), writing them out again, and
the worker's own project directory around them (services/deployer/sources.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from launchpad.db.repository.fleet_sources import SourceFile
from launchpad.errors import UserError
from launchpad.fleet import load_fleet
from launchpad.stacks import sources
from services.deployer.sources import link_project

ROOT = Path(__file__).resolve().parents[2]


def _file(path: str, content: bytes) -> SourceFile:
    return SourceFile(path, hashlib.sha256(content).hexdigest(), content)


def test_the_example_fleets_files_under_the_names_the_loader_opens(tmp_path: Path) -> None:
    agents = tmp_path / "agents"
    shutil.copytree(ROOT / "agents", agents)
    fleet = load_fleet([agents])
    own = sources.manifest(sources.agent_files(fleet.agents, agents), agents)
    assert sorted(own) == ["characters/omni.json", "crypto-trading-bot.yaml", "omni-agent.yaml",
                           "support-assistant.yaml"]  # fmt: skip
    assert own["omni-agent.yaml"] == hashlib.sha256((agents / "omni-agent.yaml").read_bytes()).hexdigest()
    shared = sources.manifest(sources.shared_files(agents), agents)
    assert "defaults.yaml" in shared and all(p.startswith("locks/") for p in set(shared) - {"defaults.yaml"})
    # Written out and loaded again, it is the same fleet.
    files = [_file(p, (agents / p).read_bytes()) for p in {**own, **shared}]
    copy = tmp_path / "worker" / "agents"
    sources.materialise(files, copy)
    again = load_fleet([copy])
    assert [(a.name, a.character, a.image_ref) for a in again.agents] == [
        (a.name, a.character, a.image_ref) for a in fleet.agents
    ]


def test_materialise_replaces_the_whole_directory_and_refuses_bad_paths(tmp_path: Path) -> None:
    target = tmp_path / "agents"
    sources.materialise([_file("a.yaml", b"a"), _file("sub/b.json", b"b")], target)
    sources.materialise([_file("c.yaml", b"c")], target)
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == ["c.yaml"]
    for bad in ("../escape", "/abs", "a/../../b"):
        with pytest.raises(UserError, match="not a path inside the agents directory"):
            sources.materialise([_file(bad, b"x")], target)
    with pytest.raises(UserError, match="does not match its sha256"):
        sources.materialise([SourceFile("a.yaml", "0" * 64, b"a")], target)
    assert (target / "c.yaml").read_bytes() == b"c"  # a refused write leaves the last good copy
    assert not (tmp_path / "escape").exists()


def test_the_workers_project_links_the_code_and_keeps_its_own_agents(tmp_path: Path) -> None:
    code, run = tmp_path / "app", tmp_path / "home" / "project"
    (code / "components").mkdir(parents=True)
    (code / "agents").mkdir()
    (code / "Pulumi.yaml").write_text("name: x\n")
    (code / "Pulumi.dev.yaml").write_text("config: {}\n")
    link_project(code, run, "agents")
    assert sorted(p.name for p in run.iterdir()) == ["Pulumi.dev.yaml", "Pulumi.yaml", "components"]
    assert all((run / n).is_symlink() for n in ("Pulumi.yaml", "components"))
    (run / "build").mkdir()  # the program's own output stays
    (code / "Pulumi.dev.yaml").unlink()
    (code / "Pulumi.prod-shard-0.yaml").write_text("config: {}\n")  # `shards create` since
    link_project(code, run, "agents")
    assert sorted(p.name for p in run.iterdir()) == ["Pulumi.prod-shard-0.yaml", "Pulumi.yaml", "build", "components"]
    assert os.readlink(run / "components") == str((code / "components").resolve())
