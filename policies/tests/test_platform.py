"""The stack policies in a shard stack: the agent's tenant namespace, the fleet's rules and dashboards are its
platform's, known through the shard's `platformPolicy` output (policies/platform.py)."""

import copy
from typing import Any

from launchpad.contracts import ROOT_STACK, SHARD_EXPORT
from launchpad.monitoring import dashboards, rules
from launchpad.stacks.platform_facts import collect_platform_facts
from policies import stack
from policies.tests.harness import DEPLOYMENT, example_manifests, stack_violations, urn

NS = "kubernetes:core/v1:Namespace"


def _shard(facts: dict[str, Any] | None) -> list[tuple[str, str, dict]]:
    """A shard with one agent (omni-agent, its namespace made by the platform) and its root stack's outputs."""
    m = example_manifests("omni-agent")
    outputs = {"agents": {}} if facts is None else {"agents": {}, SHARD_EXPORT: facts}
    return [
        (DEPLOYMENT, "omni", m["Deployment"]),
        (stack.NETWORK_POLICY, "netpol", m["NetworkPolicy"]),
        (ROOT_STACK, "prod-shard-0", outputs),
    ]


def _facts(namespace_labels: dict[str, str] | None = None) -> dict[str, Any]:
    namespace = copy.deepcopy(example_manifests("omni-agent")["Namespace"])
    namespace["metadata"]["labels"].update(namespace_labels or {})
    monitoring = [rules.prometheus_rule("prod", "monitoring"), dashboards.agent_config_map("prod")]
    return {"stack": "prod", **collect_platform_facts([namespace], monitoring)}


def test_a_shard_agent_passes_with_its_platforms_namespace_rules_and_dashboard() -> None:
    resources = _shard(_facts())
    assert stack_violations(stack.namespace_isolation, resources) == []
    assert stack_violations(stack.observability, resources) == []


def test_the_platforms_namespace_is_held_to_restricted_too() -> None:
    resources = _shard(_facts({"pod-security.kubernetes.io/enforce": "baseline"}))
    assert stack_violations(stack.namespace_isolation, resources) == [
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent: namespace agent-omni-agent does not enforce the restricted "
            "Pod Security profile (pod-security.kubernetes.io/enforce: restricted)",
        )
    ]


def test_rules_that_do_not_select_the_agent_fail_in_the_shard() -> None:
    facts = _facts()
    for rule in facts["rules"]:  # the platform's rules now select another label than the agents carry
        rule["expr"] = rule["expr"].replace("label_launchpad_dev_agent", "label_someone_else")
    violations = stack_violations(stack.observability, _shard(facts))
    assert violations and all(u == urn(DEPLOYMENT, "omni") for u, _ in violations)
    assert any("is not selected by the fleet's rule launchpad:agent_pod:info" in m for _, m in violations)


def test_a_platform_without_facts_is_named() -> None:
    # A preview before the platform's `up` wrote them: the shard exports its platform's name alone.
    resources = _shard({"stack": "prod"})
    assert stack_violations(stack.namespace_isolation, resources) == [
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent: namespace agent-omni-agent is not managed by this stack nor by its platform "
            "stack prod, so its Pod Security level cannot be checked",
        )
    ]
    assert stack_violations(stack.observability, resources)[0] == (
        urn(DEPLOYMENT, "omni"),
        "agent omni-agent is not selected by any alert rule: no PrometheusRule in this stack or its platform "
        "stack prod records the agents' info series (launchpad:agent_pod:info, ...: the rules of MonitoringStack)",
    )


def test_a_stack_that_is_no_shard_gets_no_facts() -> None:
    assert stack_violations(stack.namespace_isolation, _shard(None))[0][1].endswith(
        "is not managed by this stack, so its Pod Security level cannot be checked"
    )
