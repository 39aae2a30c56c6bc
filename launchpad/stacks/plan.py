"""What `shards up` must do, from the assignment and what each shard stack holds now: which agents leave
which shard (moved or removed) before any shard creates anything (docs/architecture.md, "Stacks and shards")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShardPlan:
    """What `shards up` does, from what each shard stack holds now (its state) and the assignment."""

    assignment: Mapping[str, str]  # agent -> shard
    held: Mapping[str, frozenset[str]]  # shard -> agents in its state now
    leaving: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # shard -> agents it must release
    moves: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # agent -> (from shard, to shard)

    @property
    def releasing(self) -> list[str]:
        return sorted(s for s, agents in self.leaving.items() if agents)


def plan(assignment: Mapping[str, str], held: Mapping[str, Iterable[str]]) -> ShardPlan:
    """Agents that leave a shard (moved to another one, or removed from the fleet) must be deleted there
    before any shard creates anything: an agent is a bot identity, and two copies of it would both log in.
    `held` may name shards that are no longer in the assignment (retired by a smaller count)."""
    frozen = {shard: frozenset(agents) for shard, agents in held.items()}
    leaving = {
        shard: tuple(sorted(a for a in agents if assignment.get(a) != shard)) for shard, agents in frozen.items()
    }
    moves = {
        agent: (shard, assignment[agent])
        for shard, agents in leaving.items()
        for agent in agents
        if agent in assignment
    }
    return ShardPlan(assignment, frozen, {s: a for s, a in leaving.items() if a}, moves)


