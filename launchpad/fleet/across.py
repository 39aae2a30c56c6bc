"""Rules across the agents of a fleet, checked once every agent is valid on its own: what two agents must not
share. Each problem names both agents' files and lines."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from launchpad.errors import Problem, located
from launchpad.fleet import egress
from launchpad.fleet.catalog import PLATFORMS
from launchpad.fleet.resolved import Agent


def _first_wins(
    agents: list[Agent],
    key: Callable[[Agent], list[tuple[Hashable, str, int, str]]],
    message: Callable[..., str],
    same_name_too: bool = True,
) -> list[Problem]:
    """A problem at every agent that shares a key with an earlier one: (key, file, line, field) per agent.
    `same_name_too` False: two agents of one name are left to duplicate_names, which says it better."""
    first: dict[Hashable, tuple[Agent, str, int]] = {}
    problems = []
    for agent in agents:
        for value, file, line, field in key(agent):
            if value in first:
                other, other_file, other_line = first[value]
                if not same_name_too and other.name == agent.name:
                    continue
                at = located(other_file, other_line)
                problems.append(Problem(file, line, field, message(value, agent, other, at)))
            else:
                first[value] = (agent, file, line)
    return problems


def duplicate_names(agents: list[Agent]) -> list[Problem]:
    return _first_wins(
        agents,
        lambda a: [(a.name, a.file, a.name_line, "name")],
        lambda name, agent, other, at: f"agent name {name!r} is already used by {at}; agent names must be unique "
        "across the fleet",
    )


def flat_name_collisions(agents: list[Agent]) -> list[Problem]:
    """`<namespace>-<name>` must be unique too. Kubernetes keys an object by (namespace, name), but whatever
    flattens the pair loses the boundary: the Kubernetes provider writes each object to
    `<apiVersion>-<kind>-<namespace>-<name>.yaml` (render mode), so agent `b-c` of tenant `a` and agent `c` of
    tenant `a-b` would write the same files, and removing one would delete the other's."""
    return _first_wins(
        agents,
        lambda a: [(f"{a.namespace}-{a.name}", a.file, a.name_line, "name")],
        lambda flat, agent, other, at: (
            f"agent {agent.name!r} in namespace {agent.namespace} and agent {other.name!r} in namespace "
            f"{other.namespace} ({at}) both flatten to {flat!r}, which names their objects' files (and removing "
            "one would delete the other's): rename one of them (or its tenant)"
        ),
        same_name_too=False,
    )


def _identity_sources(agent: Agent) -> list[tuple[Hashable, str, int, str]]:
    """The secret that IS each of the agent's single-identity bots (its token), as where the value comes
    from: a config key, or a Kubernetes Secret's key in a namespace."""
    found: list[tuple[Hashable, str, int, str]] = []
    for platform, mode in sorted(agent.platforms.items()):
        info = PLATFORMS[platform]
        if mode not in info.single_identity_modes or info.identity_secret is None:
            continue
        source = agent.spec.secrets.get(info.identity_secret)
        if source is None:
            continue  # reported by the agent's own rules
        if source.config is not None:
            where: Hashable = ("config", source.config)
        elif source.stored:
            where = ("stored", agent.name)  # a value posted to the API: its own
        else:
            ref = source.secret_key_ref
            assert ref is not None
            where = ("secretKeyRef", agent.namespace, ref.name, ref.key)
        use = next((u for u in agent.config_secrets if u.env_name == info.identity_secret), None)
        file, line = (use.file, use.line) if use is not None else (agent.file, agent.name_line)
        found.append(((platform, where), file, line, f"secrets.{info.identity_secret}"))
    return found


def shared_bot_identities(agents: list[Agent]) -> list[Problem]:
    """One bot identity, one agent: the one-replica rule keeps an agent from opening two sessions on one bot,
    and two agents on the same token would do exactly that (two Discord gateway sessions handling every
    message twice, Telegram's 409 Conflict for the second poller)."""

    def message(key: Any, agent: Agent, other: Agent, at: str) -> str:
        platform: str = key[0]
        where: tuple[str, ...] = key[1]
        source = f"config key {where[1]}" if where[0] == "config" else f"Secret {where[2]} key {where[3]}"
        return (
            f"{platform} bot token {source} is also agent {other.name}'s ({at}): one bot identity serves one agent "
            f"({PLATFORMS[platform].why_single}); give this agent a bot of its own"
        )

    return _first_wins(agents, _identity_sources, message, same_name_too=False)


def egress_problems(agents: list[Agent]) -> list[Problem]:
    """Declared endpoints (ollama's `model.endpoint`, `database:`) may not lead into another tenant's
    namespace or the cluster's own (launchpad/fleet/egress.py)."""
    namespaces = {a.namespace for a in agents}
    problems = []
    for agent in agents:
        for field, destination, file, line in agent.endpoints:
            problem = egress.namespace_problem(destination, agent.namespace, namespaces)
            if problem is not None:
                problems.append(Problem(file, line, field, problem))
    return problems


def fleet_problems(agents: list[Agent]) -> list[Problem]:
    return [
        *duplicate_names(agents),
        *flat_name_collisions(agents),
        *shared_bot_identities(agents),
        *egress_problems(agents),
    ]
