"""The rules' contract with Alertmanager, the dashboards and the policy pack, checked without promtool."""

from __future__ import annotations

import pytest

from launchpad import naming
from launchpad.monitoring import rules
from launchpad.monitoring.selectors import selectors
from launchpad.monitoring.settings import parse_monitoring
from launchpad.monitoring.severity import SEVERITIES
from launchpad.settings import SettingsError
from tests.monitoring.agents import FLEET


def _rules(**kwargs: object) -> list[dict]:
    return [r for g in rules.rule_groups(FLEET, health_probes=True, **kwargs)["groups"] for r in g["rules"]]  # type: ignore[arg-type]


def test_every_alert_has_agent_tenant_severity_summary_and_runbook() -> None:
    alerts = [r for r in _rules() if "alert" in r]
    assert len(alerts) == 8
    for rule in alerts:
        labels = rule["labels"]
        if labels.get("agent") == rules.FLEET_WIDE:
            assert labels["tenant"] == rules.FLEET_WIDE
        else:
            # agent and tenant come from the series: every per-agent alert is aggregated by them.
            assert rule["expr"].startswith("max by (namespace, "), rule["alert"]
            by = rule["expr"].split("(", 1)[1].split(")", 1)[0]
            assert {"agent", "tenant"} <= {b.strip() for b in by.split(",")}, rule["alert"]
        assert labels["severity"] in SEVERITIES
        assert labels["fleet"] == FLEET
        assert set(rule["annotations"]) == {"summary", "runbook"}
        assert all(rule["annotations"].values())


def test_the_rules_name_no_agent_and_are_one_per_alert() -> None:
    """The rule set is a function of the fleet's name and settings only: no agent, namespace or pod name."""
    names = [r.get("alert") or r.get("record") for r in _rules()]
    assert len(names) == len(set(names))
    per_object = {"namespace", "pod", "deployment", "service", "horizontalpodautoscaler", "agent", "tenant"}
    for rule in _rules():
        for metric, matchers in selectors(rule["expr"]):
            assert not per_object & {m[0] for m in matchers}, (rule.get("alert") or rule.get("record"), metric)


def test_health_check_alert_only_with_the_health_scrape() -> None:
    assert "AgentHealthCheckFailing" not in rules.alert_names(rules.rule_groups(FLEET))
    assert "AgentHealthCheckFailing" in rules.alert_names(rules.rule_groups(FLEET, health_probes=True))


def test_recording_rules_come_first_in_the_one_group() -> None:
    """Rules of a group run in order at one evaluation time: the alerts see this evaluation's info series."""
    (group,) = rules.rule_groups(FLEET)["groups"]
    kinds = ["record" if "record" in r else "alert" for r in group["rules"]]
    assert kinds == sorted(kinds, key=lambda k: k != "record")


def test_prometheus_rule_is_labelled_with_the_fleet() -> None:
    manifest = rules.prometheus_rule(FLEET, "monitoring", {"release": "kps"})
    assert manifest["metadata"]["labels"][naming.FLEET_LABEL] == FLEET
    assert manifest["metadata"]["labels"]["release"] == "kps"


def test_restart_storm_threshold_is_fleet_relative_unless_fixed() -> None:
    (storm,) = [r for r in _rules() if r.get("alert") == "AgentRestartStorm"]
    assert storm["expr"].endswith(">= clamp_min(ceil(count(launchpad:agent_deployment:info) / 3), 3)")
    (fixed,) = [r for r in _rules(restart_storm_pods=7) if r.get("alert") == "AgentRestartStorm"]
    assert fixed["expr"].endswith(">= 7")


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
