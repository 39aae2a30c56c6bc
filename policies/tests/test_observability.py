"""agent-observability: the fleet's rules and agent dashboard select every agent, read back out of the
rules' PromQL and the dashboard's variables (policies/observability.py)."""

from __future__ import annotations

import json
from typing import Any

from launchpad.monitoring import dashboards, rules
from policies import observability, stack
from policies.tests.harness import DEPLOYMENT, example_manifests, stack_violations, urn

SERVICE = "kubernetes:core/v1:Service"
Resources = list[tuple[str, str, dict[str, Any]]]


def _stack(agent: str = "crypto-trading-bot", rule: dict[str, Any] | None = None) -> Resources:
    m = example_manifests(agent)
    return [
        (DEPLOYMENT, "deploy", m["Deployment"]),
        (SERVICE, "svc", m["Service"]),
        (observability.PROMETHEUS_RULE, "rules", rule or rules.prometheus_rule("dev", "monitoring")),
        (observability.CONFIG_MAP, "fleet-dash", dashboards.fleet_config_map("dev")),
        (observability.CONFIG_MAP, "agent-dash", dashboards.agent_config_map("dev")),
    ]


def _messages(resources: Resources) -> list[str]:
    found = stack_violations(stack.observability, resources)
    assert {u for u, _ in found} <= {urn(DEPLOYMENT, "deploy")}
    return [m for _, m in found]


def test_every_example_agent_is_selected() -> None:
    for agent in ("crypto-trading-bot", "support-assistant", "omni-agent"):
        assert _messages(_stack(agent)) == [], agent


def test_a_pod_template_without_the_agent_label_is_not_selected() -> None:
    resources = _stack()
    del resources[0][2]["spec"]["template"]["metadata"]["labels"]["launchpad.dev/agent"]
    (message,) = _messages(resources)
    assert message.startswith(
        "agent crypto-trading-bot: its Pod crypto-trading-bot-* is not selected by the fleet's rule "
        "launchpad:agent_pod:info"
    )
    assert message.endswith("label it launchpad.dev/agent=crypto-trading-bot")


def test_a_service_without_the_agent_label_is_not_the_agents() -> None:
    """An object without the label is not the agent's at all: nothing to select, nothing reported."""
    resources = _stack()
    del resources[1][2]["metadata"]["labels"]["launchpad.dev/agent"]
    assert _messages(resources) == []


def test_a_rule_that_selects_one_tenant_only_misses_the_others() -> None:
    rule = rules.prometheus_rule("dev", "monitoring")
    for r in rule["spec"]["groups"][0]["rules"]:
        r["expr"] = r["expr"].replace('label_launchpad_dev_agent!=""', 'label_launchpad_dev_tenant="support"')
    messages = _messages(_stack("crypto-trading-bot", rule))
    assert [m.split(" (")[0] for m in messages] == [
        f"agent crypto-trading-bot: its {kind} {name} is not selected by the fleet's rule launchpad:agent_{rec}:info"
        for kind, name, rec in (
            ("Pod", "crypto-trading-bot-*", "pod"),
            ("Deployment", "crypto-trading-bot", "deployment"),
            ("Service", "crypto-trading-bot", "service"),
        )
    ] + ["agent crypto-trading-bot is not selected by any dashboard"]
    assert _messages(_stack("support-assistant", rule)) == []


def test_alerts_on_another_container_name_miss_the_agent() -> None:
    rule = rules.prometheus_rule("dev", "monitoring")
    for r in rule["spec"]["groups"][0]["rules"]:
        r["expr"] = r["expr"].replace('container="eliza"', 'container="agent"')
    messages = _messages(_stack("crypto-trading-bot", rule))
    assert (
        "agent crypto-trading-bot: the fleet's alert AgentCrashLooping selects containers container='agent' "
        "and none of its containers (eliza) matches" in messages
    )
    assert len(messages) == 5  # every alert on the agent's containers: all but AgentDown and AgentAtMaxReplicas


def test_a_dashboard_without_an_agent_variable_does_not_count() -> None:
    resources = _stack()
    cm = resources[4][2]
    (key, body) = next(iter(cm["data"].items()))
    d = json.loads(body)
    d["templating"]["list"] = [v for v in d["templating"]["list"] if v["name"] != "agent"]
    cm["data"] = {key: json.dumps(d)}
    assert _messages(resources) == [
        "agent crypto-trading-bot is not selected by any dashboard (a ConfigMap labelled grafana_dashboard=1 whose "
        "`agent` variable lists the label_values of an info series the fleet's rules record for it)"
    ]


def test_a_dashboard_variable_over_a_series_the_rules_do_not_record_does_not_count() -> None:
    resources = _stack()
    cm = resources[4][2]
    (key, body) = next(iter(cm["data"].items()))
    cm["data"] = {key: body.replace("launchpad:agent_deployment:info{tenant", "some_other_series{tenant")}
    assert [m.split(" (")[0] for m in _messages(resources)] == [
        "agent crypto-trading-bot is not selected by any dashboard"
    ]


def test_the_check_reads_each_resource_once_per_agent_not_per_pair() -> None:
    """1,000 agents: the policy indexes the stack by agent instead of scanning it for every agent."""
    resources: Resources = _stack()[2:]
    base = example_manifests("crypto-trading-bot")
    for i in range(1000):
        d = json.loads(json.dumps(base["Deployment"]))
        d["metadata"]["labels"]["launchpad.dev/agent"] = f"a{i}"
        d["spec"]["template"]["metadata"]["labels"]["launchpad.dev/agent"] = f"a{i}"
        resources.append((DEPLOYMENT, f"d{i}", d))
    assert stack_violations(stack.observability, resources) == []
