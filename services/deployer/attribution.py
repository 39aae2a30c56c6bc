"""Which agent an engine event is about, from its resource's URN: a coalesced `up` carries events of every
agent of the stack, and each user may read only their own agent's (operation_events).

An agent's resources, as the program names them (components/eliza_agent.py, components/fleet.py):
- its `ElizaAgent` component: type `agent-launchpad:index:ElizaAgent`, name = the agent's name;
- the component's children: the URN's type chain runs through the ElizaAgent (`...ElizaAgent$kubernetes:...`)
  but a URN does not carry its parent's name, so a child is attributed through its parent (each step event
  names the parent URN) or, when no step named it (a policy refused it before it was created), by its name,
  `<agent>-<part>` with a part of launchpad.contracts.ELIZA_AGENT_PARTS (no part ends another, so one name
  reads one way: `bot-2-deployment` is bot-2's, never bot's);
- the quota and limits of an agent's own namespace (`agent-<name>`, launchpad/naming.py): `agent-<name>-quota`,
  `agent-<name>-limits`.
Anything else (tenant namespaces, images, monitoring, the registry, the stack itself) belongs to no single
agent and is attributed to none: when in doubt an event is dropped, never given to the wrong user.
"""

from __future__ import annotations

from launchpad.contracts import ELIZA_AGENT, ELIZA_AGENT_PARTS
from launchpad.naming import namespace_for

_NAMESPACE_POLICY_KINDS = {"kubernetes:core/v1:ResourceQuota": "-quota", "kubernetes:core/v1:LimitRange": "-limits"}


def split_urn(urn: str) -> tuple[list[str], str] | None:
    """(type chain, name) of `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`; None otherwise."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        return None
    return parts[2].split("$"), parts[3]


class Attribution:
    """Attributes URNs to agents for one run. Feed it every step (`observe`) as the events arrive."""

    def __init__(self) -> None:
        self._by_urn: dict[str, str | None] = {}

    def observe(self, urn: str, parent: str | None) -> str | None:
        agent = self._direct(urn)
        if agent is None and parent:
            agent = self.agent_of(parent)
        self._by_urn[urn] = agent
        return agent

    def agent_of(self, urn: str | None) -> str | None:
        if not urn:
            return None
        if urn in self._by_urn:
            return self._by_urn[urn]
        return self._direct(urn) or _by_part(urn)

    @staticmethod
    def _direct(urn: str) -> str | None:
        parsed = split_urn(urn)
        if parsed is None:
            return None
        types, name = parsed
        if types[-1] == ELIZA_AGENT:
            return name
        suffix = _NAMESPACE_POLICY_KINDS.get(types[-1])
        if suffix and name.endswith(suffix):
            namespace = name.removesuffix(suffix)
            prefix = namespace_for("", None)  # "agent-": an agent's own namespace, never a tenant's
            if namespace.startswith(prefix) and len(namespace) > len(prefix):
                return namespace.removeprefix(prefix)
        return None


def _by_part(urn: str) -> str | None:
    parsed = split_urn(urn)
    if parsed is None:
        return None
    types, name = parsed
    if ELIZA_AGENT not in types[:-1]:
        return None
    for part in ELIZA_AGENT_PARTS:
        agent = name.removesuffix(f"-{part}")
        if agent != name and agent:
            return agent
    return None
