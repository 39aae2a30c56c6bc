"""Agent tiers: how much an agent matters when the cluster runs out of room. Each tier is one PriorityClass
(cluster-scoped, the same few for the whole fleet), named in the agent's pod spec.

Kubernetes schedules higher priority first and, when a pod cannot be placed, may evict lower-priority pods
to make room (preemption). Values stay far below the system classes (system-cluster-critical is
2,000,000,000; user classes may go up to 1,000,000,000) and above 0, the priority of pods without a class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Tier = Literal["critical", "standard", "low"]
TIERS: tuple[Tier, ...] = get_args(Tier)
DEFAULT_TIER: Tier = "standard"
# What a tenant's agents may choose unless the platform says more (`allowedTiers` in the defaults file's
# `tenants:` section): `critical` preempts other tenants' pods, so only the platform grants it.
DEFAULT_ALLOWED_TIERS: tuple[Tier, ...] = ("standard", "low")


@dataclass(frozen=True)
class TierClass:
    value: int
    preemption_policy: Literal["PreemptLowerPriority", "Never"]
    description: str


CLASSES: dict[Tier, TierClass] = {
    "critical": TierClass(
        100_000, "PreemptLowerPriority", "agent-launchpad agents that must keep running: may evict lower tiers"
    ),
    "standard": TierClass(10_000, "PreemptLowerPriority", "agent-launchpad agents (the default tier)"),
    # Never: a low-tier agent waits for room instead of evicting anything, even other low-tier pods.
    "low": TierClass(1_000, "Never", "agent-launchpad best-effort agents: first to go, never evict others"),
}
assert set(CLASSES) == set(TIERS)


def priority_class_name(tier: Tier) -> str:
    return f"launchpad-{tier}"
