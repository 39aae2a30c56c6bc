"""Packing: which agents share one elizaOS server, decided from the agent files alone, the same way every run.

elizaOS 1.7.2 runs several characters in one server (`elizaos start --character a.json b.json ...`), each its own
agent (runtime, id, settings, memories); the server, the plugins' code and the database engine are loaded once.
Most of an idle agent's memory is that shared part (measured: docs/architecture.md, "Packing"), so a tenant
that opts in (`packing.tenants.<tenant>` in agents/defaults.yaml) runs its idle agents in packs of at most
`maxAgents`.

Who is packed: an agent of a packing tenant that runs one replica (a pack is one pod), of a tier listed in
`packing.tiers` (default standard and low: one crash restarts every agent of a pack, so critical agents keep a
server of their own), and that does not serve the HTTP API (`platforms.web`: its clients hold its server's token,
which in a pack would open every agent of it). `validate` says why each other agent of the tenant is not.

Who shares a pack: agents of one group, i.e. the same namespace (tenant), tier, image (runtime and plugin set),
database (the same POSTGRES_URL source, or each pack's own PGlite) and server-wide env (catalog.is_process_env):
what one process can only have once.

Where: a group's agents are placed by a binary hash trie over sha256(agent name) (extendible hashing): a node
with more than `maxAgents` agents splits on the next bit, and its 0-side keeps the node's name. So a pack is
always at most `maxAgents`; adding an agent moves no other agent unless its pack overflows, and then only the
~half of that one pack whose next bit is 1, into one new pack (like a shard count change, the plan says so);
removing agents never moves anyone but may merge a split pack back. A pack's name is `pack-<group>-b<bits>`,
fixed by its members' hashes, never by the order files are read.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from launchpad.errors import Problem
from launchpad.fleet import catalog
from launchpad.fleet.models import PackingSpec, SecretSource
from launchpad.fleet.quantity import parse_quantity
from launchpad.fleet.resolved import Agent, Pack
from launchpad.fleet.tenants import AgentFootprint

DATABASE_ENV = "POSTGRES_URL"
PACK_PREFIX = "pack-"
# What `pack_name` makes: a pack's Deployment shares its namespace with agents' Deployments, so agent names of
# this form are refused (rules.check_reserved_name).
PACK_NAME = re.compile(r"pack-[0-9a-f]{8}-b[01]*")  # applied with fullmatch
TRIE_DEPTH = 32  # 2^32 packs per group: sha256 prefixes of distinct names never share that many bits in practice
MI = 2**20


@dataclass(frozen=True)
class Packing:
    packs: tuple[Pack, ...]
    unpacked: dict[str, str]  # agent -> why not, for agents of packing tenants
    problems: list[Problem]


def not_packable(agent: Agent, spec: PackingSpec) -> str | None:
    """Why an agent of a packing tenant keeps a server of its own, or None."""
    scaling = agent.spec.scaling
    if scaling.max_replicas > 1:
        return (f"scales to {scaling.max_replicas} replicas (scaling.maxReplicas): a pack runs one replica of "
                "one server")
    if agent.tier not in spec.tiers:
        return (f"tier {agent.tier} is not packed (packing.tiers: {', '.join(spec.tiers)}): a pack's crash "
                "restarts all its agents")
    if "web" in agent.platforms:
        return ("serves the HTTP API (platforms.web): its clients hold its server's API token, which in a pack "
                "would open every agent of the pack")
    return None


def database(agent: Agent) -> SecretSource | None:
    """The POSTGRES_URL an agent's server connects to (one database adapter per elizaOS process), or None."""
    return agent.spec.secrets.get(DATABASE_ENV)


def server_env(agent: Agent) -> dict[str, str]:
    """The agent's env that is the whole server's in a pack (catalog.is_process_env)."""
    return {k: v for k, v in sorted(agent.spec.env.items()) if catalog.is_process_env(k)}


def group_key(agent: Agent) -> dict[str, object]:
    """What the agents of one pack must share: everything one elizaOS process can only have once."""
    db = database(agent)
    return {
        "namespace": agent.namespace,
        "tier": agent.tier,
        "image": agent.image_ref,
        "database": db.model_dump(mode="json", by_alias=True, exclude_none=True) if db else None,
        "env": server_env(agent),
    }


def group_id(key: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]


def pack_name(group: str, bits: str) -> str:
    return f"{PACK_PREFIX}{group}-b{bits}"


def _bit(name: str, depth: int) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return str((digest[depth // 8] >> (7 - depth % 8)) & 1)


def trie_leaves(names: Iterable[str], capacity: int) -> dict[str, tuple[str, ...]]:
    """Leaf name -> its agents: split every node holding more than `capacity` agents on the next hash bit. A
    leaf's name is its bit prefix without trailing zeros, so the 0-side of a split keeps its parent's name (and
    its Deployment); leaves are prefix-free, so the names are distinct."""
    leaves: dict[str, tuple[str, ...]] = {}
    pending: list[tuple[str, list[str]]] = [("", sorted(names))]
    while pending:
        prefix, members = pending.pop()
        if not members:
            continue
        if len(members) <= capacity or len(prefix) >= TRIE_DEPTH:
            leaves[prefix.rstrip("0")] = tuple(members)
            continue
        depth = len(prefix)
        for bit in "01":
            pending.append((prefix + bit, [m for m in members if _bit(m, depth) == bit]))
    return leaves


def _round_up_mi(value: float) -> int:
    return math.ceil(value / MI) * MI


@dataclass(frozen=True)
class MemoryLine:
    """RSS of one elizaOS server by how many characters it holds: base (one character) + increment per further one."""

    base_steady: float
    per_agent_steady: float
    base_peak: float
    per_agent_peak: float

    def steady(self, agents: int) -> float:
        return self.base_steady + (agents - 1) * self.per_agent_steady

    def peak(self, agents: int) -> float:
        return self.base_peak + (agents - 1) * self.per_agent_peak


CONFIGURED = MemoryLine(
    catalog.PACK_BASE_STEADY_BYTES,
    catalog.PACK_PER_AGENT_STEADY_BYTES,
    catalog.PACK_BASE_PEAK_BYTES,
    catalog.PACK_PER_AGENT_PEAK_BYTES,
)


def pack_memory(agents: int, line: MemoryLine = CONFIGURED) -> tuple[int, int]:
    """(request, limit) in bytes for a pack of `agents` characters: the measured line (base at one character,
    increment per further one) times the margins single agents are held to, never under the agent floors."""
    steady, peak = line.steady(agents), line.peak(agents)
    request = max(catalog.MEMORY_REQUEST_FLOOR_BYTES, _round_up_mi(catalog.PACK_REQUEST_OVER_STEADY * steady))
    limit = max(catalog.MEMORY_LIMIT_FLOOR_BYTES, _round_up_mi(catalog.PACK_LIMIT_OVER_PEAK * peak))
    return request, limit


def _mi(value: int) -> str:
    return f"{value // 2**30}Gi" if value % 2**30 == 0 else f"{value // MI}Mi"


def _largest(values: Iterable[str | None]) -> str:
    present = [v for v in values if v]
    return max(present, key=parse_quantity) if present else "0"


def _character_id(agent: Agent) -> str:
    """Who elizaOS 1.7.2 takes the character for: its `id`, else its name (stringToUuid(name), jsonToCharacter)."""
    return str(agent.character.get("id") or f"name:{agent.character.get('name')}")


def _same_character(members: list[Agent]) -> list[Problem]:
    """Two characters one server would take for one agent (same id, or same name and no id)."""
    first: dict[str, Agent] = {}
    problems = []
    for agent in members:
        key = _character_id(agent)
        other = first.setdefault(key, agent)
        if other is not agent:
            what = "id" if not key.startswith("name:") else f"name {agent.character.get('name')!r}"
            problems.append(Problem(
                agent.file, agent.name_line, "character",
                f"its character has the same {what} as agent {other.name}'s ({other.file}:{other.name_line}), and "
                "both would share a pack: one elizaOS server derives an agent's id from its character's id or name, "
                "so they would be one agent; rename one character (or give it an `id`)",
            ))  # fmt: skip
    return problems


def _pack(name: str, group: str, members: list[Agent]) -> Pack:
    first = members[0]
    request, limit = pack_memory(len(members))
    return Pack(
        name=name,
        namespace=first.namespace,
        tenant=first.spec.tenant or "",
        group=group,
        agents=tuple(members),
        tier=first.tier,
        image_ref=first.image_ref,
        image_build=first.image_build,
        database=database(first),
        env=server_env(first),
        memory_request=_mi(request),
        memory_limit=_mi(limit),
        cpu_request=_largest(a.spec.resources.requests.cpu for a in members),
        cpu_limit=_largest(a.spec.resources.limits.cpu for a in members),
        ephemeral_request=_largest(a.spec.resources.requests.ephemeral_storage for a in members),
        ephemeral_limit=_largest(a.spec.resources.limits.ephemeral_storage for a in members),
    )


def plan_packs(agents: Iterable[Agent], spec: PackingSpec | None) -> Packing:
    """The fleet's packs, why each other agent of a packing tenant is not packed, and the problems that stop
    agents from sharing a server."""
    if spec is None or not spec.tenants:
        return Packing((), {}, [])
    unpacked: dict[str, str] = {}
    groups: dict[str, list[Agent]] = {}
    for agent in sorted(agents, key=lambda a: a.name):
        tenant = agent.spec.tenant
        if tenant is None or tenant not in spec.tenants:
            continue
        why = not_packable(agent, spec)
        if why is not None:
            unpacked[agent.name] = why
            continue
        groups.setdefault(group_id(group_key(agent)), []).append(agent)
    packs: list[Pack] = []
    problems: list[Problem] = []
    for group, members in sorted(groups.items()):
        problems += _same_character(members)
        capacity = spec.tenants[members[0].spec.tenant or ""].max_agents
        by_name = {a.name: a for a in members}
        for bits, names in sorted(trie_leaves(by_name, capacity).items()):
            packs.append(_pack(pack_name(group, bits), group, [by_name[n] for n in names]))
    return Packing(tuple(packs), unpacked, problems)


def footprint(pack: Pack) -> AgentFootprint:
    """What a pack holds in its namespace at once, for the quota and LimitRange checks: one pod, never a surge
    (Recreate), and its init container asks for what its server asks for (launchpad/workloads/pack_pod.py)."""
    return AgentFootprint(
        name=f"pack {pack.name} ({len(pack.agents)} agents)",
        tenant=pack.tenant,
        namespace=pack.namespace,
        requests=pack.requests,
        limits=pack.limits,
        pods=1,
    )


def reserved_names(agents: Iterable[Agent]) -> list[Problem]:
    """Agent names a pack's Deployment could take (they share the tenant's namespace)."""
    return [
        Problem(a.file, a.name_line, "name", "agent names of the form pack-<8 hex digits>-b<bits> are reserved for "
                "packs (several agents in one server); rename the agent")
        for a in agents
        if PACK_NAME.fullmatch(a.name)
    ]  # fmt: skip
