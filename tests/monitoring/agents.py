"""A small fleet covering the cases the selectors must tell apart: two agents of one tenant whose names share
a prefix (`bot`, `bot-two`: same namespace, pod names that a loose regex would confuse), an agent in its own
namespace, autoscaled and fixed-size agents."""

from __future__ import annotations

from launchpad.monitoring.model import MonitoredAgent

# A round number, so humanizePercentage gives exact text in the promtool expectations.
LIMIT = 2_000_000_000


def agent(name: str, tenant: str | None, *, autoscaled: bool = False) -> MonitoredAgent:
    return MonitoredAgent(
        name=name,
        tenant=tenant or "default",
        namespace=f"tenant-{tenant}" if tenant else f"agent-{name}",
        deployment=name,
        container="eliza",
        service=name,
        port=3000,
        memory_limit_bytes=LIMIT,
        cpu_limit_cores=1.0,
        min_replicas=2 if autoscaled else 1,
        max_replicas=6 if autoscaled else 1,
        autoscaled=autoscaled,
    )


FLEET = "dev"
AGENTS = [agent("bot", "acme"), agent("bot-two", "acme", autoscaled=True), agent("web", None, autoscaled=True)]


def by_name(name: str) -> MonitoredAgent:
    (found,) = [a for a in AGENTS if a.name == name]
    return found


def pod(a: MonitoredAgent, replica: int = 0) -> str:
    """A pod name as the Deployment controller makes it: <deployment>-<template hash>-<5 chars>."""
    return f"{a.deployment}-7d9f5c6b8-{'abcde'[replica:]}{'fghij'[:replica]}"
