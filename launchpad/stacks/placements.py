"""Which server runs each agent, in a stack's state and in the fleet: its own Deployment, or a pack's (several
agents in one server, launchpad/fleet/packing.py). An agent is a bot identity (one Telegram polling session, one
Discord gateway session), so when it changes server the old one must stop running it before the new one starts:
the same ordering as a move between shard stacks (docs/architecture.md, "Stacks and shards").

Pulumi deletes what a program no longer declares at the END of an `up`, after every create and update: an agent
that joins a pack in one `up` would run in its pack's new pod while its own pod still runs. So `python -m launchpad
shards up` (for a sharded fleet or a single stack alike) first releases, with `pulumi destroy --target`, exactly the
Deployments that run an agent somewhere it no longer belongs: its own Deployment when it joins a pack, its pack's
Deployment when it leaves the pack (the pack's other agents restart with it, as any change of a pack restarts them:
its pod's init container writes the characters once), a whole pack whose Deployment another stack will create. The
`up` then creates the new servers. Between the two the moved agents run nowhere, never twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from launchpad.contracts import AGENT_PACK, ELIZA_AGENT
from launchpad.fleet.resolved import Fleet
from launchpad.workloads.pack_objects import MEMBERS_ANNOTATION

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
OWN = "own"  # an agent's place when it runs in a Deployment of its own


def pack_place(pack: str) -> str:
    return f"pack {pack}"


@dataclass(frozen=True)
class Held:
    """What one stack's state runs."""

    places: dict[str, str] = field(default_factory=dict)  # agent -> OWN or pack_place(<pack>)
    workloads: dict[str, str] = field(default_factory=dict)  # agent -> URN of the Deployment that runs it
    packs: dict[str, str] = field(default_factory=dict)  # pack -> URN of its AgentPack


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


def _annotations(resource: Mapping[str, Any]) -> Mapping[str, str]:
    for side in ("outputs", "inputs"):
        found = ((resource.get(side) or {}).get("metadata") or {}).get("annotations")
        if found:
            return dict(found)
    return {}


def held(resources: Iterable[Mapping[str, Any]]) -> Held:
    """Read from a stack's state (`pulumi stack export` resources): each Deployment and the component it belongs
    to (an ElizaAgent's own, or an AgentPack's, whose Deployment names its agents in MEMBERS_ANNOTATION)."""
    resources = list(resources)
    types = {r["urn"]: r.get("type") for r in resources}
    found = Held()
    for r in resources:
        parent = r.get("parent")
        if r.get("type") != DEPLOYMENT or parent is None:
            continue
        if types.get(parent) == ELIZA_AGENT:
            found.places[_name(parent)] = OWN
            found.workloads[_name(parent)] = r["urn"]
        elif types.get(parent) == AGENT_PACK:
            pack = _name(parent)
            found.packs[pack] = parent
            for agent in filter(None, _annotations(r).get(MEMBERS_ANNOTATION, "").split(",")):
                found.places[agent] = pack_place(pack)
                found.workloads[agent] = r["urn"]
    return found


def desired_place(fleet: Fleet, agent: str) -> str:
    pack = fleet.pack_of(agent)
    return pack_place(pack.name) if pack is not None else OWN


@dataclass(frozen=True)
class Move:
    agent: str
    stack: str  # the stack whose state runs it now
    was: str  # its place there
    to: str  # its place now (in the stack the fleet assigns it)


def moves(fleet: Fleet, stack_of: Callable[[str], str], states: Mapping[str, Held]) -> list[Move]:
    """Agents of the fleet that some stack runs in another server than the fleet says (another place, or the same
    place in another stack). Agents that left the fleet are not moves: deleting them runs them nowhere."""
    names = {a.name for a in fleet.agents}
    found = []
    for stack, state in sorted(states.items()):
        for agent, place in sorted(state.places.items()):
            if agent not in names:
                continue
            to = desired_place(fleet, agent)
            if place != to or stack_of(agent) != stack:
                found.append(Move(agent, stack, place, to))
    return found


def releases(fleet: Fleet, stack_of: Callable[[str], str], states: Mapping[str, Held]) -> dict[str, list[str]]:
    """Stack -> URNs to destroy before any stack's `up`, so no moved agent ever runs in two servers: the
    Deployment that runs a moved agent (its own, or its pack's); and a whole AgentPack whose pack another stack now
    holds (its ServiceAccount, Secret and NetworkPolicy have the same names there). An agent moving to another
    stack is also released whole by the shard plan (launchpad/stacks/plan.py)."""
    by_stack: dict[str, set[str]] = {}
    for move in moves(fleet, stack_of, states):
        by_stack.setdefault(move.stack, set()).add(states[move.stack].workloads[move.agent])
    wanted = {p.name: stack_of(p.agents[0].name) for p in fleet.packs}
    for stack, state in states.items():
        for pack, urn in state.packs.items():
            if pack in wanted and wanted[pack] != stack:
                by_stack.setdefault(stack, set()).add(urn)
    return {stack: sorted(urns) for stack, urns in sorted(by_stack.items()) if urns}
