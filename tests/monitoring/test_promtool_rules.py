"""The generated rules checked by the real promtool: `check rules` parses them, and `test rules` runs every
alert of every agent against synthetic series that must make it fire, and a near miss that must not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad.monitoring import promtool, rules
from tests.monitoring import alert_cases
from tests.monitoring.agents import AGENTS, FLEET, by_name

pytestmark = pytest.mark.promtool

# With the blackbox probes on, so every alert the project can raise is tested.
SPEC = rules.rule_groups(AGENTS, FLEET, health_probes=True)
THRESHOLD = rules.restart_storm_threshold(AGENTS)


def _cases() -> list[alert_cases.Case]:
    found = []
    for group in SPEC["groups"]:
        for rule in group["rules"]:
            agent = rule["labels"]["agent"]
            if agent == rules.FLEET_WIDE:
                found.append(alert_cases.restart_storm(AGENTS, THRESHOLD))
            else:
                # KeyError here: a new alert without test cases.
                found.append(alert_cases.PER_AGENT[rule["alert"]](by_name(agent)))
    return found


CASES = _cases()


def _rule(case: alert_cases.Case) -> dict[str, Any]:
    (found,) = [
        r for g in SPEC["groups"] for r in g["rules"] if r["alert"] == case.alert and r["labels"]["agent"] == case.agent
    ]
    return found


def _expected_runbook(case: alert_cases.Case) -> str:
    runbook: str = _rule(case)["annotations"]["runbook"]
    return runbook.replace("{{ $labels.pod }}", case.labels.get("pod", ""))


def _promtool_test(promtool_bin: str, tmp_path: Path, case: alert_cases.Case, fires: bool) -> None:
    rule_file = promtool.write_rules(SPEC, tmp_path / "rules.yaml")
    test = alert_cases.test_file(rule_file.name, case, _expected_runbook(case), fires)
    test_file = tmp_path / "test.yaml"
    test_file.write_text(yaml.safe_dump(test, sort_keys=False, width=1000))
    result = promtool.run(promtool_bin, "test", "rules", test_file)
    assert result.returncode == 0, f"{case.id} ({'fires' if fires else 'quiet'}):\n{result.stdout}\n{result.stderr}"


def test_every_agent_has_every_alert_it_should() -> None:
    autoscaled = {a.name for a in AGENTS if a.autoscaled}
    expected = {(alert, a.name) for a in AGENTS for alert in alert_cases.PER_AGENT}
    expected -= {("AgentAtMaxReplicas", a.name) for a in AGENTS if a.name not in autoscaled}
    expected.add(("AgentRestartStorm", rules.FLEET_WIDE))
    assert {(c.alert, c.agent) for c in CASES} == expected


def test_rules_pass_promtool_check(promtool_bin: str, tmp_path: Path) -> None:
    rule_file = promtool.write_rules(SPEC, tmp_path / "rules.yaml")
    result = promtool.run(promtool_bin, "check", "rules", rule_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {sum(len(g['rules']) for g in SPEC['groups'])} rules found" in result.stdout


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_alert_fires_with_labels_and_annotations(promtool_bin: str, tmp_path: Path, case: alert_cases.Case) -> None:
    assert case.runbook_has in _expected_runbook(case)
    _promtool_test(promtool_bin, tmp_path, case, fires=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_alert_stays_quiet_on_a_near_miss(promtool_bin: str, tmp_path: Path, case: alert_cases.Case) -> None:
    _promtool_test(promtool_bin, tmp_path, case, fires=False)


def test_agent_down_fires_when_the_deployment_is_missing(promtool_bin: str, tmp_path: Path) -> None:
    """The absent() branch: the fleet declares the agent but kube-state-metrics has no such Deployment."""
    case = alert_cases.down(by_name("web"))
    case.fire = []
    case.labels = {k: v for k, v in case.labels.items() if k != "job"}  # absent() keeps the matchers only
    _promtool_test(promtool_bin, tmp_path, case, fires=True)


def test_memory_near_limit_falls_back_to_the_declared_limit(promtool_bin: str, tmp_path: Path) -> None:
    """Without kube-state-metrics' limits series the alert still fires, against the limit the fleet declares."""
    case = alert_cases.memory_near_limit(by_name("bot"))
    case.fire = [s for s in case.fire if "resource_limits" not in s["series"]]
    _promtool_test(promtool_bin, tmp_path, case, fires=True)


def test_a_wrong_expectation_fails(promtool_bin: str, tmp_path: Path) -> None:
    """The harness can fail: expecting the near miss to fire is reported by promtool."""
    case = alert_cases.memory_near_limit(by_name("bot"))
    case.fire = case.quiet
    with pytest.raises(AssertionError, match="AgentMemoryNearLimit-bot"):
        _promtool_test(promtool_bin, tmp_path, case, fires=True)


def test_a_broken_rule_fails_promtool_check(promtool_bin: str, tmp_path: Path) -> None:
    broken = {"groups": [{"name": "g", "rules": [{"alert": "X", "expr": "sum by (pod (up)"}]}]}
    result = promtool.run(promtool_bin, "check", "rules", promtool.write_rules(broken, tmp_path / "bad.yaml"))
    assert result.returncode != 0
    assert re.search(r"parse error", result.stdout + result.stderr)
