"""The rules' contract with Alertmanager and the policy pack, checked without promtool."""

from __future__ import annotations

import pytest

from launchpad import naming
from launchpad.monitoring import rules
from launchpad.monitoring.settings import parse_monitoring
from launchpad.settings import SettingsError
from tests.monitoring.agents import AGENTS, FLEET, agent


def _rules() -> list[dict]:
    return [r for g in rules.rule_groups(AGENTS, FLEET, health_probes=True)["groups"] for r in g["rules"]]


def test_every_rule_has_agent_tenant_severity_summary_and_runbook() -> None:
    for rule in _rules():
        assert {"agent", "tenant", "severity", "fleet"} <= set(rule["labels"]), rule["alert"]
        assert rule["labels"]["severity"] in rules.SEVERITIES
        assert set(rule["annotations"]) == {"summary", "runbook"}
        assert all(rule["annotations"].values())


def test_at_max_replicas_only_for_autoscaled_agents() -> None:
    at_max = {r["labels"]["agent"] for r in _rules() if r["alert"] == "AgentAtMaxReplicas"}
    assert at_max == {"bot-two", "web"}


def test_health_check_alert_only_with_the_blackbox_probes() -> None:
    def alerted(spec: dict) -> set[str]:
        return {
            r["labels"]["agent"] for g in spec["groups"] for r in g["rules"] if r["alert"] == "AgentHealthCheckFailing"
        }

    assert alerted(rules.rule_groups(AGENTS, FLEET)) == set()
    assert alerted(rules.rule_groups(AGENTS, FLEET, health_probes=True)) == {"bot", "bot-two", "web"}


def test_prometheus_rule_is_labelled_with_the_fleet() -> None:
    manifest = rules.prometheus_rule(AGENTS, FLEET, "monitoring", {"release": "kps"})
    assert manifest["metadata"]["labels"][naming.FLEET_LABEL] == FLEET
    assert manifest["metadata"]["labels"]["release"] == "kps"


def test_restart_storm_threshold_grows_with_the_fleet() -> None:
    assert rules.restart_storm_threshold(AGENTS) == 3
    assert rules.restart_storm_threshold([agent(f"a{i}", None) for i in range(30)]) == 10
    spec = rules.rule_groups(AGENTS, FLEET, restart_storm_pods=7)
    assert spec["groups"][-1]["rules"][0]["expr"].endswith(">= 7")


def test_an_empty_fleet_has_no_rules() -> None:
    assert rules.rule_groups([], FLEET) == {"groups": []}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"install": True}, "monitoring: Value error, install: true needs chartVersion"),
        ({"receivers": {"page": {"urlSecret": "x"}}}, "monitoring.receivers.page.[key]: Input should be"),
        ({"receivers": {"critical": {"url": "https://x"}}}, "monitoring.receivers.critical.url: unknown key"),
        ({"receivers": {"warning": {"urlSecret": "k", "channel": "#a"}}}, "channel is only for type: slack"),
        ({"blackbox": {"enable": True}}, "monitoring.blackbox.enable: unknown key"),
    ],
)
def test_bad_settings_are_named(values: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=r"Pulumi\.dev\.yaml: agent-launchpad:") as exc:
        parse_monitoring(values, "dev")
    assert message in str(exc.value)
