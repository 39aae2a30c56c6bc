"""Which Deployments `shards up` releases before an `up` when agents change server (launchpad/stacks/placements.py):
read from a stack's state as `pulumi stack export` writes it, against the fleet's packs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from launchpad.contracts import AGENT_PACK, ELIZA_AGENT
from launchpad.fleet import Fleet, load_fleet
from launchpad.stacks import placements
from launchpad.stacks.placements import OWN, Move, held, pack_place
from launchpad.workloads.pack_objects import MEMBERS_ANNOTATION
from tests.fleet.fleet_files import write_fleet

DEFAULTS = """\
image: {ref: ghcr.io/acme/eliza:1.7.2}
resources:
  requests: {cpu: 500m, memory: 640Mi, ephemeral-storage: 256Mi}
  limits: {cpu: "2", memory: 1Gi, ephemeral-storage: 2560Mi}
"""
PACKING = """\
packing:
  tenants:
    acme: {maxAgents: %d}
"""


def _agent(name: str) -> str:
    return f"""\
name: {name}
owner: 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21
tenant: acme
character: {{name: {name.title()}, bio: A test bot.}}
platforms: {{telegram: {{mode: polling}}}}
model: {{provider: openai}}
secrets:
  TELEGRAM_BOT_TOKEN: {{config: tg-{name}}}
  OPENAI_API_KEY: {{config: openaiKey}}
"""


def _fleet(tmp_path: Path, names: list[str], capacity: int | None) -> Fleet:
    defaults = DEFAULTS + (PACKING % capacity if capacity else "")
    folder = tmp_path / f"fleet-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    return load_fleet([write_fleet(folder, {"defaults.yaml": defaults, **{f"{n}.yaml": _agent(n) for n in names}})])


def _urn(stack: str, chain: str, name: str) -> str:
    return f"urn:pulumi:{stack}::agent-launchpad::{chain}::{name}"


def _state(stack: str, fleet: Fleet) -> list[dict[str, Any]]:
    """What `pulumi stack export` holds for `fleet` deployed in `stack`: components and their Deployments."""
    resources: list[dict[str, Any]] = []
    for agent in fleet.agents:
        component = _urn(stack, ELIZA_AGENT, agent.name)
        resources.append({"urn": component, "type": ELIZA_AGENT})
        if fleet.pack_of(agent.name) is None:
            deployment = _urn(stack, f"{ELIZA_AGENT}$kubernetes:apps/v1:Deployment", f"{agent.name}-deployment")
            resources.append({"urn": deployment, "type": "kubernetes:apps/v1:Deployment", "parent": component})
    for pack in fleet.packs:
        component = _urn(stack, AGENT_PACK, pack.name)
        annotations = {MEMBERS_ANNOTATION: ",".join(pack.names)}
        resources += [
            {"urn": component, "type": AGENT_PACK},
            {"urn": _urn(stack, f"{AGENT_PACK}$kubernetes:apps/v1:Deployment", f"{pack.name}-deployment"),
             "type": "kubernetes:apps/v1:Deployment", "parent": component,
             "outputs": {"metadata": {"annotations": annotations}}},
        ]  # fmt: skip
    return resources


def _plan(before: Fleet, after: Fleet, stack: str = "local") -> tuple[list[Move], list[str]]:
    servers = {stack: held(_state(stack, before))}
    moves = placements.moves(after, lambda _: stack, servers)
    released = placements.releases(after, lambda _: stack, servers).get(stack, [])
    return moves, [urn.rsplit("::", 1)[1] for urn in released]


def test_the_state_says_which_server_runs_each_agent(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path, ["ann", "bob", "cid"], 2)
    found = held(_state("local", fleet))
    assert set(found.places) == {"ann", "bob", "cid"}
    assert {found.places[a.name] for p in fleet.packs for a in p.agents} == {pack_place(p.name) for p in fleet.packs}
    assert set(found.packs) == {p.name for p in fleet.packs}
    plain = held(_state("local", _fleet(tmp_path, ["ann"], None)))
    assert plain.places == {"ann": OWN} and plain.workloads["ann"].endswith("::ann-deployment")


def test_joining_a_pack_releases_the_agents_own_deployment_first(tmp_path: Path) -> None:
    before, after = _fleet(tmp_path, ["ann", "bob"], None), _fleet(tmp_path, ["ann", "bob"], 8)
    (pack,) = after.packs
    moves, released = _plan(before, after)
    assert moves == [Move("ann", "local", OWN, pack_place(pack.name)), Move("bob", "local", OWN, pack_place(pack.name))]
    assert released == ["ann-deployment", "bob-deployment"]


def test_leaving_a_pack_releases_the_packs_deployment_first(tmp_path: Path) -> None:
    before, after = _fleet(tmp_path, ["ann", "bob"], 8), _fleet(tmp_path, ["ann", "bob"], None)
    (pack,) = before.packs
    moves, released = _plan(before, after)
    assert [(m.agent, m.was, m.to) for m in moves] == [("ann", pack_place(pack.name), OWN),
                                                       ("bob", pack_place(pack.name), OWN)]  # fmt: skip
    assert released == [f"{pack.name}-deployment"]


def test_a_new_agent_joining_a_pack_releases_nothing(tmp_path: Path) -> None:
    """It ran nowhere: the pack's `up` restarts the pack with it (Recreate), no second copy of anyone."""
    names = ["ann", "bob", "cid"]
    before, after = _fleet(tmp_path, names, 8), _fleet(tmp_path, [*names, "dee"], 8)
    assert [p.name for p in before.packs] == [p.name for p in after.packs]
    assert _plan(before, after) == ([], [])


def test_an_agent_removed_from_a_pack_is_no_move(tmp_path: Path) -> None:
    before, after = _fleet(tmp_path, ["ann", "bob", "cid"], 8), _fleet(tmp_path, ["ann", "bob"], 8)
    assert _plan(before, after) == ([], [])


def test_a_split_pack_releases_only_the_pack_that_loses_agents(tmp_path: Path) -> None:
    """Over capacity, a pack splits: the agents whose next hash bit is 1 go to a new pack; the old one keeps its
    name and the rest, and is the only Deployment released."""
    names = [f"agent-{i}" for i in range(4)]
    before = _fleet(tmp_path, names, 4)
    (whole,) = before.packs
    grown = [*names, "agent-x"]
    after = _fleet(tmp_path, grown, 4)
    assert len(after.packs) == 2 and whole.name in {p.name for p in after.packs}
    moves, released = _plan(before, after)
    moved = {m.agent for m in moves}
    (new,) = [p for p in after.packs if p.name != whole.name]
    assert moved == set(new.names) - {"agent-x"} and moved
    assert all(m.was == pack_place(whole.name) and m.to == pack_place(new.name) for m in moves)
    assert released == [f"{whole.name}-deployment"]


def test_a_pack_another_stack_now_holds_is_released_whole(tmp_path: Path) -> None:
    """Its ServiceAccount, Secret and NetworkPolicy have the same names in the new stack: the old stack's go first."""
    fleet = _fleet(tmp_path, ["ann", "bob"], 8)
    (pack,) = fleet.packs
    servers = {"prod-shard-0": held(_state("prod-shard-0", fleet))}
    released = placements.releases(fleet, lambda _: "prod-shard-1", servers)
    assert released == {"prod-shard-0": sorted([_urn("prod-shard-0", AGENT_PACK, pack.name),
        _urn("prod-shard-0", f"{AGENT_PACK}$kubernetes:apps/v1:Deployment", f"{pack.name}-deployment")])}  # fmt: skip


def test_a_sharded_fleet_releases_pack_moves_with_its_shard_moves(tmp_path: Path) -> None:
    """`shards up` of a sharded fleet: agents joining a pack in their shard release their own Deployment there;
    the pack's agents are in the pack's shard (its name hashed), and what the plan shows per phase says so."""
    from launchpad.settings import ShardingSettings
    from launchpad.stacks import assignment
    from launchpad.stacks.pulumi_cli import Deployed
    from launchpad.stacks.status import Environment, Status, plan_data

    names = [f"agent-{i}" for i in range(6)]
    before, after = _fleet(tmp_path, names, None), _fleet(tmp_path, names, 8)
    sharding = ShardingSettings(by="hash", count=3)
    (pack,) = after.packs
    assigned = assignment.assign(after, sharding)
    assert set(assigned.values()) == {assignment.rendezvous(pack.name, assignment.hash_shards(3))}
    env = Environment(tmp_path, "prod", {}, None, after, assignment.hash_shards(3), assigned)  # type: ignore[arg-type]
    old = assignment.assign(before, sharding)
    deployed = {f"prod-{shard}": Deployed(
        {a: _urn(f"prod-{shard}", ELIZA_AGENT, a) for a, s in old.items() if s == shard}, {},
        held(_state(f"prod-{shard}", _fleet(tmp_path, [a for a, s in old.items() if s == shard], None))),
    ) for shard in sorted(set(old.values()))}  # fmt: skip
    status = Status(env, set(deployed) | {"prod"}, deployed)
    phases = plan_data(status, everything=False)
    target = f"prod-{assigned[names[0]]}"
    # Agents already in the pack's shard leave their own Deployment; the others leave their shard whole.
    for name in names:
        shard = f"prod-{old[name]}"
        expected = f"{name}-deployment" if shard == target else name
        assert expected in phases.leaving[shard], (name, phases.leaving)
    assert set(phases.repack) == set(names) and all(v[2] == pack_place(pack.name) for v in phases.repack.values())
    assert set(phases.release) == {f"prod-{s}" for s in old.values()}
