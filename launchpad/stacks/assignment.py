"""Splitting a fleet across Pulumi stacks: which shard stack holds each agent, as plain data.

A sharded environment is one platform stack (the shared objects) and N shard stacks named
`<platform>-<shard>`. Shards are either the tenants (`by: tenant`, shard `tenant-<tenant>`) or a fixed number
of hash buckets (`by: hash`, shards `shard-0` .. `shard-<count-1>`).

Hash assignment is rendezvous hashing (highest random weight, Thaler & Ravishankar 1996): an agent goes to
the shard whose sha256(shard, agent) is largest. It depends on the agent's name and the list of shards
only, so adding or removing agents never moves another agent, and going from N to N+1 shards moves only the
agents that now prefer the new shard (about 1/(N+1) of them, all to it). `hash(...)` of Python is salted per
process, hence sha256. The shard count is a stack setting, never derived from the fleet's size: changing
it is an explicit change that moves agents (`python -m launchpad shards plan` shows which).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from launchpad import naming
from launchpad.fleet.resolved import Agent, Fleet
from launchpad.settings import ShardingSettings

HASH_PREFIX = "shard-"
TENANT_PREFIX = "tenant-"


def _weight(shard: str, agent: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{shard}\0{agent}".encode()).digest()[:8], "big")


def rendezvous(agent: str, shards: Iterable[str]) -> str:
    """The shard with the highest weight for this agent (ties, 2^-64 likely, go to the first name)."""
    return max(sorted(shards), key=lambda shard: _weight(shard, agent))


def hash_shards(count: int) -> list[str]:
    return [f"{HASH_PREFIX}{i}" for i in range(count)]


def tenant_shard(tenant: str | None) -> str:
    return f"{TENANT_PREFIX}{naming.tenant_value(tenant)}"


def shard_ids(sharding: ShardingSettings, fleet: Fleet) -> list[str]:
    """Every shard of the fleet, in a stable order. Hash shards exist even when empty; tenant shards are
    the tenants that have agents."""
    if sharding.by == "tenant":
        return sorted({tenant_shard(a.spec.tenant) for a in fleet.agents})
    assert sharding.count is not None  # ShardingSettings requires it with by: hash
    return hash_shards(sharding.count)


def shard_of(agent: Agent, sharding: ShardingSettings) -> str:
    return shard_for(agent.name, agent.spec.tenant, sharding)


def shard_for(name: str, tenant: str | None, sharding: ShardingSettings) -> str:
    """The shard of an agent by its name and tenant: all the assignment reads of it."""
    if sharding.by == "tenant":
        return tenant_shard(tenant)
    assert sharding.count is not None
    return rendezvous(name, hash_shards(sharding.count))


def assign(fleet: Fleet, sharding: ShardingSettings) -> dict[str, str]:
    """Agent name -> shard id."""
    return {agent.name: shard_of(agent, sharding) for agent in fleet.agents}


def stack_name(platform: str, shard: str) -> str:
    return f"{platform}-{shard}"


