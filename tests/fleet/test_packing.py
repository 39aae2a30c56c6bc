"""Packing (launchpad/fleet/packing.py): who shares a server, who does not and why, where each agent goes and how
stable that is, and what a pack reserves."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.fleet import Fleet, FleetError, catalog, load_fleet
from launchpad.fleet.models import TenantPacking
from launchpad.fleet.packing import CONFIGURED, pack_memory, trie_leaves
from launchpad.fleet.quantity import parse_quantity
from tests.fleet.fleet_files import write_fleet

DEFAULTS = """\
image: {ref: ghcr.io/acme/eliza:1.7.2}
resources:
  requests: {cpu: 500m, memory: 640Mi, ephemeral-storage: 256Mi}
  limits: {cpu: "2", memory: 1Gi, ephemeral-storage: 2560Mi}
packing:
  tenants:
    acme: {maxAgents: 4}
"""


def _agent(name: str, tenant: str = "acme", extra: str = "", character: str | None = None) -> str:
    return f"""\
name: {name}
owner: 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21
tenant: {tenant}
character: {{name: {character or name.title()}, bio: A test bot.}}
platforms: {{telegram: {{mode: polling}}}}
model: {{provider: openai}}
secrets:
  TELEGRAM_BOT_TOKEN: {{config: tg-{name}}}
  OPENAI_API_KEY: {{config: openaiKey}}
{extra}"""


def _load(tmp_path: Path, agents: dict[str, str], defaults: str = DEFAULTS) -> Fleet:
    folder = tmp_path / f"fleet-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    return load_fleet([write_fleet(folder, {"defaults.yaml": defaults, **agents})])


def _placement(fleet: Fleet) -> dict[str, str]:
    return {a.name: p.name for p in fleet.packs for a in p.agents}


def test_packing_is_off_unless_the_tenant_opts_in(tmp_path: Path) -> None:
    fleet = _load(tmp_path, {"a.yaml": _agent("a", "zeta"), "b.yaml": _agent("b", "zeta")})
    assert (fleet.packs, fleet.unpacked) == ((), {})
    without = _load(tmp_path, {"a.yaml": _agent("a")}, DEFAULTS.split("packing:")[0])
    assert without.packs == ()


def _web(name: str, extra: str = "") -> str:
    web = _agent(name).replace("platforms: {telegram: {mode: polling}}", "platforms: {web: {}}")
    return web.replace(f"  TELEGRAM_BOT_TOKEN: {{config: tg-{name}}}\n", extra)


def test_who_is_not_packed_and_why(tmp_path: Path) -> None:
    scaling = "scaling: {minReplicas: 2, maxReplicas: 3, targetCPU: 70}\n"
    scaled = _web("scaled", "  POSTGRES_URL: {config: db}\n") + scaling + "database: {host: db.example.com}\n"
    granted = DEFAULTS + "tenants:\n  overrides:\n    acme: {allowedTiers: [critical, standard, low]}\n"
    fleet = _load(tmp_path, {
        "a.yaml": _agent("a"),
        "crit.yaml": _agent("crit", extra="tier: critical\n"),
        "scaled.yaml": scaled,
        "web.yaml": _web("web"),
    }, granted)  # fmt: skip
    assert _placement(fleet).keys() == {"a"}
    assert fleet.unpacked["crit"].startswith("tier critical is not packed (packing.tiers: standard, low)")
    assert fleet.unpacked["scaled"].startswith("scales to 3 replicas (scaling.maxReplicas)")
    assert fleet.unpacked["web"].startswith("serves the HTTP API (platforms.web)")


def test_a_pack_holds_at_most_max_agents_of_one_group(tmp_path: Path) -> None:
    anthropic = _agent("c").replace("model: {provider: openai}", "model: {provider: openai, name: gpt-4o}")
    agents = {f"bot{i}.yaml": _agent(f"bot{i}") for i in range(9)}
    agents["low.yaml"] = _agent("low", extra="tier: low\n")  # another tier: another pack
    agents["c.yaml"] = anthropic  # another model name: a character setting, the same group
    agents["log.yaml"] = _agent("log", extra="env: {LOG_LEVEL: debug}\n")  # another server-wide env: another group
    fleet = _load(tmp_path, agents)
    packs = {p.name: p for p in fleet.packs}
    assert all(len(p.agents) <= 4 for p in packs.values())
    assert sorted(_placement(fleet)) == sorted(a.name for a in fleet.agents)
    group_of = {a.name: packs[n].group for a, n in ((a, _placement(fleet)[a.name]) for a in fleet.agents)}
    assert group_of["c"] == group_of["bot0"]
    assert len({group_of["bot0"], group_of["low"], group_of["log"]}) == 3
    assert packs[_placement(fleet)["log"]].env == {"LOG_LEVEL": "debug"}


def test_adding_an_agent_moves_no_one_unless_its_pack_overflows(tmp_path: Path) -> None:
    names = [f"agent-{i}" for i in range(40)]
    before = _placement(_load(tmp_path, {f"{n}.yaml": _agent(n) for n in names}))
    moved_total, splits = 0, 0
    for extra in ("new-1", "new-2", "new-3", "new-4", "new-5"):
        after = _placement(_load(tmp_path, {f"{n}.yaml": _agent(n) for n in [*names, extra]}))
        moved = {a for a in before if after[a] != before[a]}
        if moved:  # its pack overflowed: about half of that one pack moved, to one new pack
            splits += 1
            assert len({before[a] for a in moved}) == 1 and len({after[a] for a in moved}) == 1
            assert after[extra] in {before[next(iter(moved))], after[next(iter(moved))]}
            assert {after[a] for a in moved}.isdisjoint(before.values())
        moved_total += len(moved)
    assert moved_total <= 4 * splits


def test_the_assignment_does_not_depend_on_file_order(tmp_path: Path) -> None:
    names = [f"agent-{i}" for i in range(20)]
    leaves = trie_leaves(names, 4)
    assert leaves == trie_leaves(list(reversed(names)), 4)
    assert all(len(m) <= 4 for m in leaves.values())
    assert sorted(n for m in leaves.values() for n in m) == sorted(names)
    # Leaf names are prefix-free bit strings without trailing zeros: distinct.
    assert len(leaves) == len({*leaves})


def test_two_characters_one_server_would_take_for_one_agent_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FleetError) as caught:
        _load(tmp_path, {"a.yaml": _agent("a", character="Ava"), "b.yaml": _agent("b", character="Ava")})
    (problem,) = caught.value.problems
    assert problem.file.endswith("b.yaml") and problem.field == "character"
    assert "the same name 'Ava' as agent a's" in problem.message
    # In a tenant that does not pack, they never share a server.
    apart = {f"{n}.yaml": _agent(n, "zeta", character="Ava") for n in "ab"}
    assert _load(tmp_path, apart).packs == ()


def test_pack_names_are_reserved(tmp_path: Path) -> None:
    with pytest.raises(FleetError) as caught:
        _load(tmp_path, {"pack-0a1b2c3d-b01.yaml": _agent("pack-0a1b2c3d-b01", "zeta")})
    assert "reserved for packs" in caught.value.problems[0].message


def test_a_pack_reserves_the_measured_line_not_its_agents_requests(tmp_path: Path) -> None:
    fleet = _load(tmp_path, {f"bot{i}.yaml": _agent(f"bot{i}") for i in range(3)}, DEFAULTS.replace("4}", "16}"))
    (pack,) = fleet.packs
    request, limit = pack_memory(3)
    assert (parse_quantity(pack.memory_request), parse_quantity(pack.memory_limit)) == (request, limit)
    assert request >= catalog.PACK_REQUEST_OVER_STEADY * CONFIGURED.steady(3)
    assert limit >= catalog.PACK_LIMIT_OVER_PEAK * CONFIGURED.peak(3) and limit >= catalog.MEMORY_LIMIT_FLOOR_BYTES
    assert (pack.cpu_request, pack.cpu_limit) == ("500m", "2")
    # Several agents cost less than one server each: a pack of 16 reserves less than 4 single agents.
    assert pack_memory(16)[0] < 4 * pack_memory(1)[0]


def test_a_packed_tenant_is_checked_against_its_quota_by_pack(tmp_path: Path) -> None:
    """One pod per pack, at the pack's resources: what the quota holds is the packs', not the agents' requests."""
    quota = "tenants:\n  defaults:\n    quota:\n      pods: 4\n"
    agents = {f"bot{i}.yaml": _agent(f"bot{i}") for i in range(8)}
    fleet = _load(tmp_path, agents, DEFAULTS + quota)
    assert len(fleet.packs) <= 4 and len(fleet.agents) == 8
    with pytest.raises(FleetError) as caught:
        _load(tmp_path, agents, DEFAULTS.split("packing:")[0] + quota)
    assert "needs 8 of pods" in caught.value.problems[0].message


def test_the_configured_line_keeps_a_thousand_idle_agents_within_150_gb() -> None:
    """Issue 23's target, from the measured line (catalog.PACK_*): 1,000 agents of one tenant through the real
    assignment, in packs of at most 8 and at most 16 (the default), and an order of magnitude under one server
    each at 16."""
    names = [f"agent-{i:04d}" for i in range(1000)]
    assert TenantPacking().max_agents == catalog.PACK_MAX_AGENTS  # the default: the largest measured
    for capacity in (8, catalog.PACK_MAX_AGENTS):
        packs = trie_leaves(names, capacity)
        reserved = sum(pack_memory(len(members))[0] for members in packs.values())
        assert reserved <= 150e9, (capacity, len(packs), reserved)
    unpacked = 1000 * parse_quantity("640Mi")  # agents/defaults.yaml: one server each
    assert unpacked / reserved >= 10
