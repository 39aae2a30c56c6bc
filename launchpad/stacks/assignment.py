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
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from launchpad import naming
from launchpad.fleet.resolved import Agent, Fleet
from launchpad.settings import PROJECT, ShardingSettings

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
    if sharding.by == "tenant":
        return tenant_shard(agent.spec.tenant)
    assert sharding.count is not None
    return rendezvous(agent.name, hash_shards(sharding.count))


def assign(fleet: Fleet, sharding: ShardingSettings) -> dict[str, str]:
    """Agent name -> shard id."""
    return {agent.name: shard_of(agent, sharding) for agent in fleet.agents}


def stack_name(platform: str, shard: str) -> str:
    return f"{platform}-{shard}"


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


# The keys a shard stack's own config holds besides its secrets; everything else comes from its platform.
SHARD_KEYS = ("platform", "shard")


def stack_file(root: Path, stack: str) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def plain_config(path: Path) -> dict[str, Any]:
    """The plain `agent-launchpad:*` values of a stack file, by bare key (secrets, `{secure: ...}`, left out).
    A shard stack reads its platform's settings from here, so the two can never disagree."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    prefix = f"{PROJECT}:"
    return {
        key.removeprefix(prefix): value
        for key, value in (data.get("config") or {}).items()
        if key.startswith(prefix) and not (isinstance(value, dict) and "secure" in value)
    }


def agent_digest(agent: Agent) -> str:
    """Changes whenever anything that shapes the agent's resources changes (its file, defaults, character)."""
    data = {
        "spec": agent.spec.model_dump(mode="json", by_alias=True),
        "file": agent.file,
        "character": agent.character,
        "plugins": agent.plugins,
        "image": agent.image_ref,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# What a stack's resources are made from besides the agents: the program and the engine that runs it.
CODE_PATHS = ("__main__.py", "Pulumi.yaml", "requirements.txt", "components", "launchpad", "policies",
              "supabase/migrations", "monitoring", "tools/engine/versions.sh")


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def code_digest(root: Path) -> str:
    h = hashlib.sha256()
    for top in CODE_PATHS:
        path = root / top
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".pyc" or not file.exists():
                continue
            h.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def _file_text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


# Stack fingerprints: one digest of everything a stack is built from. Each stack exports its own
# (`fingerprint`), and `shards plan` compares it with the current one to run only the stacks that changed.
# They must cover every input of the program's role: the code, the stack files (secrets included, as
# ciphertext), and the part of the fleet the role reads.


def platform_fingerprint(root: Path, platform: str, fleet: Fleet) -> str:
    """The platform reads of each agent its registry key, namespace and image, and declares the tenant
    namespaces' quota and LimitRange (its monitoring selects agents by label: nothing per agent)."""
    from launchpad.workloads.tenant_objects import namespace_objects

    tenant_namespaces = {a.namespace for a in fleet.agents if a.spec.tenant}
    return _digest(
        code_digest(root),
        _file_text(stack_file(root, platform)),
        [(a.name, str(a.spec.owner), a.spec.tenant, a.namespace, a.image_ref) for a in fleet.agents],
        {ns: objs for ns, objs in namespace_objects(fleet).items() if ns in tenant_namespaces},
    )


def shard_fingerprint(root: Path, platform: str, shard: str, fleet: Fleet, agents: Iterable[Agent]) -> str:
    """A shard holds its agents and the quota and LimitRange of the agents' own namespaces."""
    from launchpad.workloads.tenant_objects import namespace_objects

    agents = list(agents)
    own = {a.namespace for a in agents if not a.spec.tenant}
    return _digest(
        code_digest(root),
        _file_text(stack_file(root, platform)),
        _file_text(stack_file(root, stack_name(platform, shard))),
        sorted(agent_digest(a) for a in agents),
        {ns: objs for ns, objs in namespace_objects(fleet).items() if ns in own},
    )
