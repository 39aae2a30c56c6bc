"""The program's platform and shard roles under mocks: the platform holds the shared objects and no agent,
each shard exactly its agents (the shards together: the fleet, once), a shard reads its settings from the
platform's stack file and its schema through a StackReference, and a bad shard config registers nothing."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pulumi_mocks import MOCKS, install, run_program, stack_config

install()

import pulumi  # noqa: E402

from benchmarks.program_eval import write_fleet  # noqa: E402
from components import program  # noqa: E402
from launchpad.fleet import load_fleet  # noqa: E402
from launchpad.settings import ShardingSettings  # noqa: E402
from launchpad.stacks.assignment import assign, hash_shards  # noqa: E402
from tests.components.example_config import ROOT  # noqa: E402

AGENT = "agent-launchpad:index:ElizaAgent"
PLATFORM_FILE = """\
config:
  agent-launchpad:renderDir: build/manifests
  agent-launchpad:imageBuild: skip
  agent-launchpad:database: "true"
  agent-launchpad:sharding:
    by: hash
    count: 3
  agent-launchpad:databaseUrl:
    secure: v1:not-read-by-the-shard
"""
REFERENCE = "organization/agent-launchpad/prod"


SCHEMA = ["20250601000000", "20250601000300"]
FACTS = {"namespaces": {"tenant-team-0": "restricted", "tenant-team-1": "restricted"},
         "rules": [{"record": "launchpad:agent_pod:info", "expr": "kube_pod_labels"}], "agentSelectors": ["x"]}


pytestmark = pytest.mark.postgres  # the program reads the fleet's API agents from the database


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_url: str) -> Iterator[dict[str, str]]:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "supabase", tmp_path / "supabase")
    secrets = write_fleet(tmp_path / "agents", 12)
    (tmp_path / "Pulumi.prod.yaml").write_text(PLATFORM_FILE)
    # What the platform stack exports after its up (components/platform_stack.py).
    MOCKS.stack_outputs[REFERENCE] = {"platform": {"fleet": "prod", "schema": SCHEMA, "images": {}, "policy": FACTS}}
    yield {**secrets, "databaseUrl": registry_url}
    MOCKS.stack_outputs.clear()


def _exports(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    exported: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    return exported


def _run_shard(shard: str, secrets: dict[str, str], **extra: str) -> list[Any]:
    with stack_config({"platform": "prod", "shard": shard, **extra}, secrets):
        run_program(program.run)
    return list(MOCKS.resources)


def test_the_platform_holds_the_shared_objects_and_no_agent(project: dict[str, str], monkeypatch) -> None:
    exported = _exports(monkeypatch)
    plain = {"renderDir": "build/manifests", "imageBuild": "skip", "database": "true",
             "sharding": {"by": "hash", "count": 3}}
    with stack_config(plain, project):
        run_program(program.run)
    types = Counter(r.typ for r in MOCKS.resources)
    assert types[AGENT] == 0
    assert types["kubernetes:core/v1:Namespace"] == 2  # tenant-team-0, tenant-team-1
    assert types["agent-launchpad:index:SupabaseSchema"] == 1
    assert types["pulumi-python:dynamic/launchpad:RegistryMembers"] == 1
    assert types["pulumi-python:dynamic/launchpad:RegisteredAgents"] == 0
    assert types["agent-launchpad:index:MonitoringStack"] == 1
    assert set(exported) == {"platform", "fingerprint", "summary"}
    # What its shards' policy packs read of the objects held here (launchpad/stacks/platform_facts.py).
    facts = exported["platform"]["policy"]
    assert facts["namespaces"] == {"tenant-team-0": "restricted", "tenant-team-1": "restricted"}
    assert {r.get("record") for r in facts["rules"]} >= {"launchpad:agent_pod:info", "launchpad:agent_deployment:info"}
    assert facts["agentSelectors"] == ['launchpad:agent_deployment:info{tenant="$tenant"}']


def test_the_platform_holds_every_agents_secrets_the_shards_copy(project: dict[str, str]) -> None:
    plain = {"imageBuild": "skip", "database": "true", "sharding": {"by": "hash", "count": 3}}
    without = {k: v for k, v in project.items() if k != "tg0"}
    with stack_config(plain, without), pytest.raises(pulumi.RunError) as caught:
        run_program(program.run)
    assert MOCKS.resources == []
    assert "agents/agent-0000.yaml:" in str(caught.value) and "config key agent-launchpad:tg0 is not set" in str(
        caught.value
    )


def test_each_shard_holds_exactly_its_agents_and_together_the_fleet(project: dict[str, str]) -> None:
    expected = assign(load_fleet([Path("agents")]), ShardingSettings(by="hash", count=3))
    seen: list[str] = []
    for shard in hash_shards(3):
        resources = _run_shard(shard, project)
        agents = [r.name for r in resources if r.typ == AGENT]
        assert agents and all(expected[a] == shard for a in agents)
        seen += agents
        (reference,) = [r for r in resources if r.typ == "pulumi:pulumi:StackReference"]
        assert reference.inputs["name"] == REFERENCE
        (registered,) = [r for r in resources if r.typ == "pulumi-python:dynamic/launchpad:RegisteredAgents"]
        assert sorted(registered.inputs["records"]) == sorted(agents)
        # the shared objects are the platform's
        assert not [r for r in resources if r.typ.endswith(("SupabaseSchema", "MonitoringStack", "RegistryMembers"))]
        assert not [r for r in resources if r.typ == "kubernetes:core/v1:Namespace" and r.name.startswith("tenant-")]
    assert sorted(seen) == sorted(expected)


def test_a_shard_reads_the_schema_through_its_stack_reference(project: dict[str, str]) -> None:
    resources = _run_shard("shard-0", project)
    (registered,) = [r for r in resources if r.typ == "pulumi-python:dynamic/launchpad:RegisteredAgents"]
    assert registered.inputs["schema"] == SCHEMA


def test_a_shard_refuses_its_own_plain_settings_and_registers_nothing(project: dict[str, str]) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        _run_shard("shard-0", project, imageBuild="docker")
    assert MOCKS.resources == []
    assert ("Pulumi.dev.yaml: agent-launchpad:imageBuild: a shard stack takes its settings from its platform "
            "stack (Pulumi.prod.yaml); remove it here") in str(caught.value)


def test_a_shard_that_is_not_a_shard_of_its_platform_registers_nothing(project: dict[str, str]) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        _run_shard("shard-7", project)
    assert MOCKS.resources == []
    assert ("Pulumi.dev.yaml: agent-launchpad:shard: 'shard-7' is not a shard of prod "
            "(by hash: shard-0, shard-1, shard-2)") in str(caught.value)


def test_an_invalid_agent_of_another_shard_stops_every_shard(project: dict[str, str]) -> None:
    fleet = load_fleet([Path("agents")])
    where = assign(fleet, ShardingSettings(by="hash", count=3))
    victim = next(a for a, s in where.items() if s == "shard-1")
    path = Path("agents") / f"{victim}.yaml"
    path.write_text(path.read_text().replace("model: {provider: openai}", "model: {provider: opnai}"))
    with pytest.raises(pulumi.RunError) as caught:
        _run_shard("shard-0", project)
    assert MOCKS.resources == []
    assert f"agents/{victim}.yaml" in str(caught.value) and "the fleet is invalid; nothing was changed" in str(
        caught.value
    )


def test_a_shard_needs_only_its_own_agents_secrets(project: dict[str, str]) -> None:
    fleet = load_fleet([Path("agents")])
    where = assign(fleet, ShardingSettings(by="hash", count=3))
    keys = {s: {u.key for a in fleet.agents if where[a.name] == s for u in a.config_secrets} for s in hash_shards(3)}
    others = (keys["shard-1"] | keys["shard-2"]) - keys["shard-0"]
    # Without the secrets only other shards' agents use, shard-0 still runs ...
    _run_shard("shard-0", {k: v for k, v in project.items() if k not in others})
    assert [r for r in MOCKS.resources if r.typ == AGENT]
    # ... and without one of its own, it registers nothing.
    own = sorted(keys["shard-0"] - keys["shard-1"] - keys["shard-2"])[0]
    with pytest.raises(pulumi.RunError) as caught:
        _run_shard("shard-0", {k: v for k, v in project.items() if k != own})
    assert MOCKS.resources == []
    assert f"config key agent-launchpad:{own} is not set" in str(caught.value)


def test_the_platform_exports_a_built_image_only_through_its_scan(tmp_path: Path, monkeypatch) -> None:
    """A shard reads the image from the platform's output; that output waits for the image's ImageScan, so a
    shard never gets an image the gate refused (the fleet role's Deployments wait on the scan directly)."""
    import asyncio
    import os

    from tests.fleet.fleet_files import BASE
    from tests.fleet.fleet_files import write_fleet as write_files

    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "supabase", tmp_path / "supabase")
    base = BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2\n", "").replace("image:\n", "")
    write_files(tmp_path, {"defaults.yaml": "registry: registry.example.com/agents\nimage:\n  build: {}\n",
                           "bot.yaml": base})
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "trivy").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / "bin" / "trivy").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    exported = _exports(monkeypatch)
    waits_for: list[Any] = []

    def run() -> None:
        program.run()
        (image,) = exported["platform"]["images"].values()
        waits_for.append(asyncio.ensure_future(image.resources()))

    plain = {"imageBuild": "docker", "scan": "true", "sharding": {"by": "tenant"}}
    secrets = {"tgToken": "t", "openaiKey": "o", "agentTokenKey": "k"}
    with stack_config(plain, secrets):
        run_program(run)
    assert {type(r).__name__ for r in waits_for[0].result()} >= {"ImageScan"}


def test_a_shard_exports_its_platforms_policy_facts(project: dict[str, str], monkeypatch) -> None:
    exported = _exports(monkeypatch)
    facts: list[Any] = []

    def run() -> None:
        program.run()
        exported["platformPolicy"].apply(facts.append)

    with stack_config({"platform": "prod", "shard": "shard-0"}, project):
        run_program(run)
    assert facts == [{"stack": "prod", **FACTS}]


def test_a_shard_before_its_platform_ran_says_so(project: dict[str, str]) -> None:
    MOCKS.stack_outputs.clear()
    with pytest.raises(pulumi.RunError) as caught:
        _run_shard("shard-0", project)
    assert "platform stack prod has no output platform.schema: run its `up` first" in str(caught.value)
