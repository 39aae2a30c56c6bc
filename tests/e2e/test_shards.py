"""A sharded fleet under the real Pulumi engine (file backend), end to end and in order: the platform stack
and its shard stacks are created and updated by `python -m launchpad shards`; shards read the platform
through a StackReference; a one-agent change updates one shard; a shard-count change moves agents, each
deleted in its old shard before its new shard creates it, keeping its registry row (same id) throughout; a
failed release updates no shard; a retired shard is destroyed and removed; an invalid fleet changes no stack.
Each test builds on the stacks the previous one left."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from benchmarks.program_eval import write_fleet
from launchpad.fleet import load_fleet
from launchpad.stacks.assignment import hash_shards, rendezvous
from tests.e2e.workspace import DB_PASSWORD, Workspace, copy_project, engine_env

PLATFORM = "e2e"
ELIZA = "agent-launchpad:index:ElizaAgent"
AGENTS = [f"agent-{i:04d}" for i in range(12)]
PLATFORM_SETTINGS = {
    "renderDir": "build/manifests", "imageBuild": "skip", "scan": "false", "database": "true",
    "databaseCreateOwners": "true",
}


def _stack(shard: str) -> str:
    return f"{PLATFORM}-{shard}"


def _held(ws: Workspace, stack: str) -> set[str]:
    """Agents whose ElizaAgent is in the stack's state."""
    return {r["urn"].rsplit("::", 1)[1] for r in ws.export(stack)["deployment"]["resources"] if r["type"] == ELIZA}


def _rows(ws: Workspace) -> dict[str, tuple[str, int]]:
    with psycopg.connect(ws.database_url) as conn:
        return {str(n): (str(i), int(r)) for n, i, r in conn.execute("select name, id, replicas from agents")}


def _rendered(ws: Workspace, agent: str) -> list[Path]:
    return [f for f in ws.rendered_files() if f"-{agent}" in f.name and "deployment" in f.name]


@pytest.fixture(scope="module")
def ws(engine: str, database: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("shards")
    project = copy_project(base / "project")
    shutil.rmtree(project / "agents")
    secrets = write_fleet(project / "agents", len(AGENTS))
    (base / "state").mkdir()
    ws = Workspace(project, engine_env(base / "state"), database)
    ws.pulumi("stack", "init", PLATFORM)
    args = [f"--plaintext={k}={v}" for k, v in PLATFORM_SETTINGS.items()]
    args += [f"--secret={k}={v}" for k, v in {**secrets, "databaseUrl": database}.items()]
    ws.pulumi("config", "set-all", "--stack", PLATFORM, *args)
    ws.pulumi("config", "set", "--path", "sharding.by", "hash", "--stack", PLATFORM)
    ws.pulumi("config", "set", "--path", "sharding.count", "2", "--stack", PLATFORM)
    return ws


def test_shards_list_then_create_the_shard_stacks(ws: Workspace) -> None:
    listed = ws.launchpad("shards", "list", "--stack", PLATFORM).stdout
    assert f"{_stack('shard-0')}" in listed and "missing: `python -m launchpad shards create --stack e2e`" in listed
    ws.launchpad("shards", "create", "--stack", PLATFORM)
    fleet = load_fleet([ws.project / "agents"])
    for shard in hash_shards(2):
        config = json.loads(ws.pulumi("config", "--json", "--stack", _stack(shard)).stdout)
        plain = {k: v["value"] for k, v in config.items() if not v.get("secret")}
        # A shard's own file holds its identity and its secrets; its settings stay in Pulumi.e2e.yaml.
        assert plain == {"agent-launchpad:platform": PLATFORM, "agent-launchpad:shard": shard}
        # Only the secrets of its own agents, the token key they derive API tokens from, the database URL.
        mine = {u.key for a in fleet.agents if rendezvous(a.name, hash_shards(2)) == shard for u in a.config_secrets}
        secrets = {k.removeprefix("agent-launchpad:") for k, v in config.items() if v.get("secret")}
        assert secrets == mine | {"agentTokenKey", "databaseUrl"}
    listed = ws.launchpad("shards", "list", "--stack", PLATFORM).stdout
    assert "missing" not in listed


def test_up_runs_the_platform_then_each_shard_and_registers_every_agent_once(ws: Workspace) -> None:
    out = ws.launchpad("shards", "up", "--stack", PLATFORM).stdout
    assert out.index(f"up       {PLATFORM} ") < min(out.index(_stack(s)) for s in hash_shards(2))
    held = {shard: _held(ws, _stack(shard)) for shard in hash_shards(2)}
    assert held["shard-0"].isdisjoint(held["shard-1"]) and held["shard-0"] | held["shard-1"] == set(AGENTS)
    assert all(rendezvous(a, hash_shards(2)) == shard for shard, agents in held.items() for a in agents)
    assert _held(ws, PLATFORM) == set()
    assert set(_rows(ws)) == set(AGENTS)
    assert all(len(_rendered(ws, a)) == 1 for a in AGENTS)


def test_shards_read_a_small_secret_free_platform_output_and_no_state_holds_a_secret(ws: Workspace) -> None:
    for stack in [PLATFORM, *(_stack(s) for s in hash_shards(2))]:
        text = json.dumps(ws.export(stack))
        assert DB_PASSWORD not in text and "bench-" not in text  # the URL's password, the agents' secret values
    reference = next(r for r in ws.export(_stack("shard-0"))["deployment"]["resources"]
                     if r["type"] == "pulumi:pulumi:StackReference")
    assert reference["outputs"]["secretOutputNames"] == []
    platform = reference["outputs"]["outputs"]["platform"]
    assert set(platform) == {"fleet", "schema", "images", "policy"}
    facts = platform.pop("policy")
    assert len(json.dumps(reference["outputs"])) < 2000  # copied into every shard's state: it must not grow
    # The policy facts are the platform's own objects as deployed: one entry per tenant, the rest fleet-wide.
    deployed = [r["outputs"] for r in ws.export(PLATFORM)["deployment"]["resources"]]
    namespaces = {o["metadata"]["name"]: o["metadata"]["labels"] for o in deployed if o.get("kind") == "Namespace"}
    assert facts["namespaces"] == {n: labels["pod-security.kubernetes.io/enforce"] for n, labels in namespaces.items()}
    assert set(facts["namespaces"]) == {"tenant-team-0", "tenant-team-1"}
    assert set(facts["namespaces"].values()) == {"restricted"}
    rule = next(o for o in deployed if o.get("kind") == "PrometheusRule")
    exprs = {r.get("record") or r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {r.get("record") or r["alert"]: r["expr"] for r in facts["rules"]} == exprs
    assert facts["agentSelectors"] and all("launchpad:agent_" in s for s in facts["agentSelectors"])


def _prod_policies(ws: Workspace) -> str:
    """policies/config/prod.json (every policy mandatory) but for what this test fleet cannot meet: its images
    are not built, so neither scanned, pinned by digest nor in the prod registry."""
    config = json.loads((ws.project / "policies" / "config" / "prod.json").read_text())
    for name in ("agent-image-scanned", "image-registry-allowed", "image-digest-pinned"):
        config[name] = {"enforcementLevel": "advisory"}
    path = ws.project / "build" / "prod-policies.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return str(path)


def test_nothing_changed_previews_nothing_and_every_stack_agrees(ws: Workspace) -> None:
    plan = json.loads(ws.launchpad("shards", "plan", "--stack", PLATFORM, "--json").stdout)
    assert plan["platform"] == [] and plan["shards"] == [] and plan["release"] == []
    ws.launchpad("shards", "preview", "--stack", PLATFORM, "--all", "--expect-no-changes")


def test_every_shard_passes_the_prod_policy_pack(ws: Workspace) -> None:
    # A shard holds agents whose tenant namespaces, rules and dashboards are its platform's: the stack
    # policies read those from the platform's output (the StackReference), or prod could never `up` a shard.
    config = _prod_policies(ws)
    ws.launchpad("shards", "preview", "--stack", PLATFORM, "--all", "--expect-no-changes",
                 "--policy-pack-config", config)


def _character(ws: Workspace, agent: str) -> dict[str, Any]:
    with psycopg.connect(ws.database_url) as conn:
        row = conn.execute("select character from agents where name = %s", (agent,)).fetchone()
    assert row is not None
    return dict(row[0])


def test_a_one_agent_change_updates_only_its_shard(ws: Workspace) -> None:
    agent = "agent-0002"
    shard = rendezvous(agent, hash_shards(2))
    path = ws.project / "agents" / f"{agent}.yaml"
    path.write_text(path.read_text().replace("bio: Benchmark agent 2.", "bio: Benchmark agent 2 (retrained)."))
    plan = json.loads(ws.launchpad("shards", "plan", "--stack", PLATFORM, "--json").stdout)
    assert plan["shards"] == [_stack(shard)] and plan["platform"] == [] and plan["release"] == []
    # The fingerprint says the platform and the other shard did not change: the engine agrees.
    ws.launchpad("shards", "preview", "--stack", PLATFORM, "--all", "--expect-no-changes",
                 "--only", PLATFORM)
    other = next(s for s in hash_shards(2) if s != shard)
    ws.pulumi("preview", "--stack", _stack(other), "--expect-no-changes")
    row = _rows(ws)[agent]
    out = ws.launchpad("shards", "up", "--stack", PLATFORM).stdout
    assert _stack(shard) in out and _stack(other) not in out
    assert _rows(ws)[agent] == row and _character(ws, agent)["bio"] == "Benchmark agent 2 (retrained)."


def test_a_count_change_releases_moved_agents_before_their_new_shard_creates_them(ws: Workspace) -> None:
    ws.pulumi("config", "set", "--path", "sharding.count", "3", "--stack", PLATFORM)
    refused = ws.launchpad("shards", "up", "--stack", PLATFORM, check=False)
    assert refused.returncode == 1 and "e2e-shard-2: no such stack" in refused.stderr
    ws.launchpad("shards", "create", "--stack", PLATFORM)
    plan = json.loads(ws.launchpad("shards", "plan", "--stack", PLATFORM, "--json").stdout)
    moved = {a for a in AGENTS if rendezvous(a, hash_shards(3)) == "shard-2"}
    assert moved and set(plan["moves"]) == moved
    assert {dst for _, dst in plan["moves"].values()} == {_stack("shard-2")}  # rendezvous: only to the new shard
    before_rows = _rows(ws)
    untouched = {s: [r for r in ws.resources(_stack(s)) if not any(f"::{a}" in r["urn"] for a in moved)]
                 for s in hash_shards(2)}

    # Phase 1 alone: the moved agents are deleted in their old shards and created nowhere yet.
    ws.launchpad("shards", "release", "--stack", PLATFORM)
    for shard in hash_shards(2):
        assert _held(ws, _stack(shard)).isdisjoint(moved)
        after = [r for r in ws.resources(_stack(shard)) if r["type"] != "pulumi:pulumi:Stack"]
        assert after == [r for r in untouched[shard] if r["type"] != "pulumi:pulumi:Stack"]  # nothing else
    assert not any(_rendered(ws, a) for a in moved)  # running nowhere ...
    assert _rows(ws) == before_rows  # ... and still registered, same rows

    # The rest of `up`: the new shard creates them; every agent runs once, rows unchanged.
    ws.launchpad("shards", "up", "--stack", PLATFORM)
    held = {s: _held(ws, _stack(s)) for s in hash_shards(3)}
    assert held["shard-2"] == moved
    assert sum(len(h) for h in held.values()) == len(AGENTS) and set().union(*held.values()) == set(AGENTS)
    assert _rows(ws) == before_rows
    assert all(len(_rendered(ws, a)) == 1 for a in AGENTS)


def _lock(ws: Workspace, stack: str) -> Path:
    """A lock as a concurrent `pulumi up` holds it (pkg/backend/diy/lock.go): the stack refuses updates."""
    state = Path(ws.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    lock = state / ".pulumi" / "locks" / "organization" / "agent-launchpad" / stack / "concurrent-run.json"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"pid": 1, "username": "ci", "hostname": "other", "timestamp": "2026-01-01T00:00:00Z"}))
    return lock


def test_a_failed_release_updates_no_shard_then_a_retired_shard_is_removed(ws: Workspace) -> None:
    ws.pulumi("config", "set", "--path", "sharding.count", "2", "--stack", PLATFORM)
    ws.launchpad("shards", "create", "--stack", PLATFORM)  # the agents coming back need their secrets there
    moving = _held(ws, _stack("shard-2"))
    before = {s: _held(ws, _stack(s)) for s in hash_shards(3)}
    lock = _lock(ws, _stack("shard-2"))
    failed = ws.launchpad("shards", "up", "--stack", PLATFORM, check=False)
    lock.unlink()
    assert failed.returncode == 1
    assert "release failed: no shard was updated, so no agent can run twice" in failed.stderr
    assert {s: _held(ws, _stack(s)) for s in hash_shards(3)} == before  # the moving agents run where they ran

    out = ws.launchpad("shards", "up", "--stack", PLATFORM).stdout
    assert f"retire   {_stack('shard-2')}" in out
    assert _stack("shard-2") not in ws.pulumi("stack", "ls", "--json").stdout
    assert not (ws.project / f"Pulumi.{_stack('shard-2')}.yaml").exists()
    held = {s: _held(ws, _stack(s)) for s in hash_shards(2)}
    assert held["shard-0"] | held["shard-1"] == set(AGENTS) and held["shard-0"].isdisjoint(held["shard-1"])
    assert moving <= held["shard-0"] | held["shard-1"]
    assert set(_rows(ws)) == set(AGENTS)


def test_an_invalid_fleet_changes_no_stack(ws: Workspace) -> None:
    stacks = [PLATFORM, *(_stack(s) for s in hash_shards(2))]
    before = {s: ws.resources(s) for s in stacks}
    broken = ws.project / "agents" / "agent-0005.yaml"
    good = broken.read_text()
    broken.write_text(good.replace("model: {provider: openai}", "model: {provider: opnai}"))
    try:
        result = ws.launchpad("shards", "up", "--stack", PLATFORM, check=False)
        assert result.returncode == 1
        assert "agents/agent-0005.yaml:" in result.stderr and "model.provider" in result.stderr
        assert "nothing was deployed in any stack" in result.stderr
        # A shard updated directly, without the command, refuses too: every shard validates the whole fleet.
        other = next(s for s in hash_shards(2) if rendezvous("agent-0005", hash_shards(2)) != s)
        direct = ws.pulumi("up", "--stack", _stack(other), "--yes", "--skip-preview", check=False)
        assert direct.returncode != 0 and "agents/agent-0005.yaml:" in direct.stdout + direct.stderr
    finally:
        broken.write_text(good)
    assert {s: ws.resources(s) for s in stacks} == before


def test_removing_an_agent_deletes_it_and_its_row(ws: Workspace) -> None:
    (ws.project / "agents" / "agent-0007.yaml").unlink()
    plan = json.loads(ws.launchpad("shards", "plan", "--stack", PLATFORM, "--json").stdout)
    assert plan["leaving"] == {_stack(rendezvous("agent-0007", hash_shards(2))): ["agent-0007"]}
    assert plan["platform"] == [PLATFORM]  # the registry's membership lives there
    ws.launchpad("shards", "up", "--stack", PLATFORM)
    assert "agent-0007" not in _rows(ws) and not _rendered(ws, "agent-0007")
    assert set(_rows(ws)) == set(AGENTS) - {"agent-0007"}


def test_destroying_the_shards_then_the_platform_leaves_nothing(ws: Workspace) -> None:
    for shard in hash_shards(2):
        ws.pulumi("destroy", "--stack", _stack(shard), "--yes", "--skip-preview")
    assert len(_rows(ws)) == len(AGENTS) - 1  # rows belong to the fleet, not to a shard
    ws.pulumi("destroy", "--stack", PLATFORM, "--yes", "--skip-preview")
    assert _rows(ws) == {} and ws.rendered_files() == []
