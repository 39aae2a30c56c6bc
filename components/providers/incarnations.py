"""`AgentIncarnations`: one dynamic resource per stack that runs agents, holding each agent's nonce, the input
of its API token (launchpad/workloads/auth_token.py; the rules in launchpad/providers/incarnations.py).

The nonces are drawn in `check`, which runs in every preview and update, so a preview already shows the
agents whose Secret changes (the values themselves stay secret); an `up` draws again for the agents that are
new in it. One resource for the stack, not one per agent: 1,000 agents are one state entry and one step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ResourceProvider, UpdateResult


class _AgentIncarnationsProvider(ResourceProvider):
    # Plain functions only; nothing secret in the provider, so its pickle (a reference) stays in plaintext.
    serialize_as_secret_always = False

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from launchpad.providers.incarnations import next_nonces

        inputs = dict(news)
        inputs["nonces"] = next_nonces((olds or {}).get("nonces"), news.get("agents") or {})
        return CheckResult(inputs, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("nonces") != news.get("nonces"), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("agent-incarnations", {"agents": props.get("agents"), "nonces": props.get("nonces")})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({"agents": news.get("agents"), "nonces": news.get("nonces")})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class AgentIncarnations(pulumi.dynamic.Resource, module="launchpad", name="AgentIncarnations"):
    nonces: pulumi.Output[dict[str, dict[str, str]]]

    def __init__(
        self, name: str, identities: Mapping[str, str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """`identities`: agent name -> launchpad.providers.incarnations.identity(...)."""
        super().__init__(_AgentIncarnationsProvider(), name, {"agents": dict(identities), "nonces": None}, opts)

    def nonce(self, agent: str) -> pulumi.Output[str]:
        return self.nonces.apply(lambda nonces: str(nonces[agent]["nonce"]))
