"""The facts a shard stack's platform exports about the objects it holds for the shard's agents (tenant
namespaces, the fleet's rules and dashboards: launchpad/stacks/platform_facts.py), read back from the shard's own
output `platformPolicy`. A policy pack sees one stack at a time; without these, no agent of a shard could pass
the stack policies that look for those objects beside it. Any other stack gets empty facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import StackValidationArgs

from launchpad.contracts import ROOT_STACK, SHARD_EXPORT


@dataclass(frozen=True)
class PlatformFacts:
    stack: str = ""  # the platform stack's name, "" when the stack reads none
    namespaces: Mapping[str, str] = field(default_factory=dict)  # tenant namespace -> Pod Security enforce level
    rules: list[Mapping[str, Any]] = field(default_factory=list)  # {record|alert, expr}
    agent_selectors: list[str] = field(default_factory=list)  # the dashboards' `agent` variable selectors


def read_platform_facts(args: StackValidationArgs) -> PlatformFacts:
    for r in args.resources:
        facts = r.props.get(SHARD_EXPORT) if r.resource_type == ROOT_STACK else None
        if isinstance(facts, Mapping):
            return PlatformFacts(
                stack=str(facts.get("stack") or ""),
                namespaces=dict(facts.get("namespaces") or {}),
                rules=list(facts.get("rules") or []),
                agent_selectors=list(facts.get("agentSelectors") or []),
            )
    return PlatformFacts()
