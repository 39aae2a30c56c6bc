"""Run policies the way the analyzer does, without starting it: call `validate` with collected reports
(the pattern of pulumi/pulumi-policy's own tests)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from launchpad.fleet import load_fleet
from launchpad.workloads.agent_objects import agent_manifests, config_secret_env
from policies.pack import ALL_POLICIES

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DEV_CONFIG: dict[str, Any] = json.loads((ROOT / "policies" / "config" / "dev.json").read_text())
PROD_CONFIG: dict[str, Any] = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())


Violation = tuple[str, str, str]


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def urn(resource_type: str, name: str, stack: str = "test") -> str:
    return f"urn:pulumi:{stack}::agent-launchpad::{resource_type}::{name}"


def violations(
    policy: ResourceValidationPolicy,
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    stack: str = "test",
) -> list[str]:
    found: list[str] = []
    args = ResourceValidationArgs(resource_type, props, urn(resource_type, "r", stack), "r", _opts(), None, config)
    policy.validate(args, lambda message, _urn=None: found.append(message))
    return found


def stack_violations(
    policy: StackValidationPolicy,
    resources: Sequence[tuple[str, str, Mapping[str, Any]]],
    config: Mapping[str, Any] | None = None,
) -> list[tuple[str, str]]:
    """(urn, message) of each violation; resources are (type, name, props)."""
    found: list[tuple[str, str]] = []
    stack = [PolicyResource(t, p, urn(t, n), n, _opts(), None, None, [], {}) for t, n, p in resources]
    policy.validate(StackValidationArgs(stack, config), lambda message, u=None: found.append((u or "", message)))
    return found


def evaluate(resources: Sequence[tuple[str, str, Mapping[str, Any]]], config: Mapping[str, Any]) -> set[Violation]:
    """(policy, resource name, message) of every violation of the whole pack, as `pulumi preview
    --policy-pack policies --policy-pack-config <config>` reports them; disabled policies don't run."""
    found: set[Violation] = set()
    by_urn = {urn(t, n): n for t, n, _ in resources}
    for policy in ALL_POLICIES:
        policy_config = dict(config.get(policy.name) or {})
        level = policy_config.pop("enforcementLevel", None) or (config.get("all") or {}).get("enforcementLevel")
        if level == "disabled":
            continue
        if isinstance(policy, ResourceValidationPolicy):
            for typ, name, props in resources:
                found |= {(policy.name, name, m) for m in violations(policy, typ, props, policy_config)}
        else:
            found |= {(policy.name, by_urn[u], m) for u, m in stack_violations(policy, resources, policy_config)}
    return found


def example_manifests(agent: str = "crypto-trading-bot") -> dict[str, dict[str, Any]]:
    """The objects ElizaAgent renders for an example agent, by kind: realistic passing inputs."""
    (found,) = [a for a in load_fleet([ROOT / "agents"]).agents if a.name == agent]
    objects = agent_manifests(found, dict.fromkeys(config_secret_env(found), "x"))
    return {m["kind"]: copy.deepcopy(m) for m in objects.all()}


def deployment(agent: str = "crypto-trading-bot") -> dict[str, Any]:
    return example_manifests(agent)["Deployment"]


def container(props: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = props["spec"]["template"]["spec"]["containers"][0]
    return found
