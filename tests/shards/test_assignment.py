"""Stable assignment of agents to shard stacks: how many agents move when the fleet grows or the shard
count changes, and the plan that deletes an agent in its old shard before the new one creates it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.program_eval import write_fleet
from launchpad.fleet import load_fleet
from launchpad.settings import SettingsError, ShardingSettings, parse_settings
from launchpad.stacks.assignment import assign, hash_shards, rendezvous, shard_ids
from launchpad.stacks.plan import plan

NAMES = [f"agent-{i:04d}" for i in range(2000)]


def _assign(names: list[str], count: int) -> dict[str, str]:
    shards = hash_shards(count)
    return {n: rendezvous(n, shards) for n in names}


def test_the_hash_is_pinned_because_changing_it_would_move_every_deployed_agent() -> None:
    assert [rendezvous(f"agent-{i:04d}", hash_shards(4)) for i in range(6)] == [
        "shard-2", "shard-0", "shard-3", "shard-3", "shard-2", "shard-1",
    ]


def test_adding_agents_moves_no_existing_agent() -> None:
    before = _assign(NAMES[:1000], 8)
    after = _assign(NAMES, 8)  # 1,000 agents more
    assert sum(after[n] != shard for n, shard in before.items()) == 0


def test_the_shards_are_balanced() -> None:
    sizes = Counter(_assign(NAMES, 8).values())
    assert len(sizes) == 8
    assert all(0.8 * 250 <= size <= 1.2 * 250 for size in sizes.values()), sizes


def test_one_more_shard_moves_about_one_in_n_plus_one_agents_all_to_the_new_shard() -> None:
    before, after = _assign(NAMES, 8), _assign(NAMES, 9)
    moved = {n: (before[n], after[n]) for n in NAMES if before[n] != after[n]}
    assert {to for _, to in moved.values()} == {"shard-8"}
    assert 0.8 * 2000 / 9 <= len(moved) <= 1.2 * 2000 / 9, len(moved)


def test_one_shard_less_moves_only_the_agents_of_the_removed_shard() -> None:
    before, after = _assign(NAMES, 9), _assign(NAMES, 8)
    moved = [n for n in NAMES if before[n] != after[n]]
    assert moved and all(before[n] == "shard-8" for n in moved)
    assert len(moved) == sum(1 for s in before.values() if s == "shard-8")


def test_a_modulo_split_would_fail_the_movement_check() -> None:
    """The checks above are not vacuous: the obvious `sha % count` reshuffles most agents."""
    import hashlib

    def modulo(name: str, count: int) -> int:
        return int(hashlib.sha256(name.encode()).hexdigest(), 16) % count

    moved = sum(modulo(n, 8) != modulo(n, 9) for n in NAMES)
    assert moved > 0.8 * len(NAMES)


def test_tenant_sharding_puts_each_tenant_in_its_own_shard(tmp_path: Path) -> None:
    write_fleet(tmp_path / "agents", 25)  # tenants of 10 agents: team-0, team-1, team-2
    fleet = load_fleet([tmp_path / "agents"])
    sharding = ShardingSettings(by="tenant")
    assert shard_ids(sharding, fleet) == ["tenant-team-0", "tenant-team-1", "tenant-team-2"]
    assert Counter(assign(fleet, sharding).values()) == {"tenant-team-0": 10, "tenant-team-1": 10, "tenant-team-2": 5}


def test_hash_shards_exist_even_when_empty(tmp_path: Path) -> None:
    write_fleet(tmp_path / "agents", 3)
    fleet = load_fleet([tmp_path / "agents"])
    assert shard_ids(ShardingSettings(by="hash", count=8), fleet) == hash_shards(8)


def test_plan_releases_moved_and_removed_agents_in_their_old_shard() -> None:
    assignment = {"a": "shard-0", "b": "shard-1", "c": "shard-1"}
    held = {"shard-0": {"a", "b", "gone"}, "shard-1": {"c"}, "shard-2": {"d"}}  # shard-2 retired, d removed
    p = plan(assignment, held)
    assert p.leaving == {"shard-0": ("b", "gone"), "shard-2": ("d",)}
    assert p.moves == {"b": ("shard-0", "shard-1")}
    assert p.releasing == ["shard-0", "shard-2"]


def test_plan_of_a_steady_fleet_releases_nothing() -> None:
    assignment = {"a": "shard-0", "b": "shard-1"}
    p = plan(assignment, {"shard-0": {"a"}, "shard-1": {"b"}})
    assert p.leaving == {} and p.moves == {} and p.releasing == []


@pytest.mark.parametrize(
    ("sharding", "message"),
    [
        ({"by": "hash"}, "Pulumi.prod.yaml: agent-launchpad:sharding: Value error, by: hash needs a shard count"),
        ({"by": "tenant", "count": 3}, "Pulumi.prod.yaml: agent-launchpad:sharding: Value error, by: tenant makes"),
        ({"by": "hash", "count": 0}, "Pulumi.prod.yaml: agent-launchpad:sharding.count: Input should be greater"),
        ({"by": "region"}, "Pulumi.prod.yaml: agent-launchpad:sharding.by: Input should be 'hash' or 'tenant'"),
    ],
)
def test_bad_sharding_settings_name_the_key(sharding: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as exc:
        parse_settings({"sharding": sharding}, "prod")
    assert str(exc.value).startswith(message)
