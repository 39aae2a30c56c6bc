"""The generated rules checked by the real promtool: `check rules` parses them, and `test rules` runs every
alert for every agent of a fleet of several tenants against synthetic series where it must fire for that
agent and no other, and a near miss where it must not fire at all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad.monitoring import promtool, rules
from tests.monitoring import alert_cases
from tests.monitoring.agents import (
    AGENTS,
    FLEET,
    PACKED,
    agent,
    available,
    by_name,
    healthy_fleet,
    info_series,
    pack_pod_series,
    pod,
)

pytestmark = pytest.mark.promtool

# With the blackbox probes on, so every alert the project can raise is tested.
SPEC = rules.rule_groups(FLEET, health_probes=True)


def _cases() -> list[alert_cases.Case]:
    found = []
    for name in sorted(rules.alert_names(SPEC) - {"AgentRestartStorm"}):
        make = alert_cases.PER_AGENT[name]  # KeyError here: a new alert without test cases
        # Only autoscaled agents have an HPA, so only they can run at their maximum.
        found += [make(a) for a in AGENTS if a.autoscaled or name != "AgentAtMaxReplicas"]
    return found


CASES = _cases()


def _rule(alert: str, spec: dict[str, Any] = SPEC) -> dict[str, Any]:
    (found,) = [r for g in spec["groups"] for r in g["rules"] if r.get("alert") == alert]
    return found


def _expected_runbook(case: alert_cases.Case, spec: dict[str, Any] = SPEC) -> str:
    runbook: str = _rule(case.alert, spec)["annotations"]["runbook"]
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: case.labels[m.group(1)], runbook)


def _promtool_test(
    promtool_bin: str, tmp_path: Path, case: alert_cases.Case, fires: bool, spec: dict[str, Any] = SPEC
) -> None:
    rule_file = promtool.write_rules(spec, tmp_path / "rules.yaml")
    test = alert_cases.test_file(rule_file.name, case, _expected_runbook(case, spec), fires)
    test_file = tmp_path / "test.yaml"
    test_file.write_text(yaml.safe_dump(test, sort_keys=False, width=1000))
    result = promtool.run(promtool_bin, "test", "rules", test_file)
    assert result.returncode == 0, f"{case.id} ({'fires' if fires else 'quiet'}):\n{result.stdout}\n{result.stderr}"


def test_every_alert_is_tested_for_every_agent_it_applies_to() -> None:
    expected = {(alert, a.name) for a in AGENTS for alert in alert_cases.PER_AGENT}
    expected -= {("AgentAtMaxReplicas", a.name) for a in AGENTS if not a.autoscaled}
    assert {(c.alert, c.agent) for c in CASES} == expected
    assert len({a.tenant for a in AGENTS}) >= 3


def test_rules_pass_promtool_check(promtool_bin: str, tmp_path: Path) -> None:
    rule_file = promtool.write_rules(SPEC, tmp_path / "rules.yaml")
    result = promtool.run(promtool_bin, "check", "rules", rule_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {sum(len(g['rules']) for g in SPEC['groups'])} rules found" in result.stdout


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_alert_fires_for_its_agent_only(promtool_bin: str, tmp_path: Path, case: alert_cases.Case) -> None:
    assert case.runbook_has in _expected_runbook(case)
    _promtool_test(promtool_bin, tmp_path, case, fires=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_alert_stays_quiet_on_a_near_miss(promtool_bin: str, tmp_path: Path, case: alert_cases.Case) -> None:
    _promtool_test(promtool_bin, tmp_path, case, fires=False)


def test_agent_down_fires_when_the_deployment_is_gone_but_the_service_is_not(promtool_bin: str, tmp_path: Path) -> None:
    """An agent whose Deployment was deleted has no replica series at all: its Service still declares it."""
    web = by_name("web")
    case = alert_cases.down(web)
    case.baseline = [s for a in AGENTS if a != web for s in healthy_fleet([a])]
    case.baseline += [s for s in info_series(web) if "kube_service_labels" in s["series"]]
    case.fire = [available(a) for a in AGENTS if a != web]
    _promtool_test(promtool_bin, tmp_path, case, fires=True)


def test_memory_near_limit_falls_back_to_the_cgroup_limit(promtool_bin: str, tmp_path: Path) -> None:
    """Without kube-state-metrics' limits series the alert still fires, against cAdvisor's cgroup limit."""
    bot = by_name("bot")
    case = alert_cases.memory_near_limit(bot)
    where = {"namespace": bot.namespace, "pod": pod(bot), "container": "eliza"}
    case.fire = [
        *alert_cases.memory(where, alert_cases.LIMIT * 95 // 100, limit_series=False),
        {
            "series": alert_cases.series("container_spec_memory_limit_bytes", {**where, **alert_cases.CADVISOR}),
            "values": f"{alert_cases.LIMIT}x20",
        },
    ]
    _promtool_test(promtool_bin, tmp_path, case, fires=True)


@pytest.mark.parametrize(("agents", "threshold"), [(AGENTS, 3), ([agent(f"a{i}", "big") for i in range(12)], 4)])
def test_restart_storm_threshold_is_a_third_of_the_fleet_at_least_three(
    promtool_bin: str, tmp_path: Path, agents: list, threshold: int
) -> None:
    """The threshold is computed in PromQL from the agents Prometheus sees: 4 agents -> 3 (the minimum),
    12 agents -> 4. The rule text is the same for both fleets."""
    case = alert_cases.restart_storm(agents, threshold)
    _promtool_test(promtool_bin, tmp_path, case, fires=True)
    _promtool_test(promtool_bin, tmp_path, case, fires=False)


def test_a_fixed_restart_storm_threshold(promtool_bin: str, tmp_path: Path) -> None:
    spec = rules.rule_groups(FLEET, restart_storm_pods=2)
    case = alert_cases.restart_storm(AGENTS, 2)
    _promtool_test(promtool_bin, tmp_path, case, fires=True, spec=spec)
    _promtool_test(promtool_bin, tmp_path, case, fires=False, spec=spec)


def test_a_wrong_expectation_fails(promtool_bin: str, tmp_path: Path) -> None:
    """The harness can fail: expecting the near miss to fire is reported by promtool."""
    case = alert_cases.memory_near_limit(by_name("bot"))
    case.fire = case.quiet
    with pytest.raises(AssertionError, match="AgentMemoryNearLimit-bot"):
        _promtool_test(promtool_bin, tmp_path, case, fires=True)


def test_an_alert_for_the_wrong_agent_fails(promtool_bin: str, tmp_path: Path) -> None:
    """Expecting bot's alert where bot-two misbehaves fails: the labels come from the series, not the rule."""
    case = alert_cases.memory_near_limit(by_name("bot-two"))
    case.labels = {**case.labels, "agent": "bot"}
    with pytest.raises(AssertionError, match="AgentMemoryNearLimit-bot-two"):
        _promtool_test(promtool_bin, tmp_path, case, fires=True)


def test_a_broken_rule_fails_promtool_check(promtool_bin: str, tmp_path: Path) -> None:
    broken = {"groups": [{"name": "g", "rules": [{"alert": "X", "expr": "sum by (pod (up)"}]}]}
    result = promtool.run(promtool_bin, "check", "rules", promtool.write_rules(broken, tmp_path / "bad.yaml"))
    assert result.returncode != 0
    assert re.search(r"parse error", result.stdout + result.stderr)


PACK_ALERTS = ["AgentDown", "AgentCrashLooping", "AgentOOMKilled", "AgentMemoryNearLimit", "AgentCPUThrottled"]


def _merged(*parts: alert_cases.Series) -> alert_cases.Series:
    """Input series of several cases, each series once; a later part's values win (a case's signal over the
    healthy baseline)."""
    found: dict[str, dict[str, str]] = {}
    for part in parts:
        for s in part:
            found[s["series"]] = s
    return list(found.values())


def _pack_test(promtool_bin: str, tmp_path: Path, cases: list[alert_cases.Case], fires: bool,
               extra: alert_cases.Series = ()) -> None:  # fmt: skip
    """All `cases` (one per agent of the pack) in one promtool run: every one of them fires, or none does."""
    rule_file = promtool.write_rules(SPEC, tmp_path / "rules.yaml")
    first = cases[0]
    signals = [c.fire if fires else c.quiet for c in cases]
    alerts = [
        {"exp_labels": c.labels, "exp_annotations": {"summary": c.summary, "runbook": _expected_runbook(c)}}
        for c in cases
    ] if fires else []  # fmt: skip
    group = {
        "name": f"{first.alert} pack {'fires' if fires else 'stays quiet'}",
        "interval": "1m",
        "input_series": _merged(first.baseline, *signals, extra),
        "alert_rule_test": [{"eval_time": first.eval_time, "alertname": first.alert, "exp_alerts": alerts}],
    }
    test_file = tmp_path / "test.yaml"
    test_file.write_text(yaml.safe_dump({"rule_files": [rule_file.name], "evaluation_interval": "1m",
                                         "tests": [group]}, sort_keys=False, width=1000))  # fmt: skip
    result = promtool.run(promtool_bin, "test", "rules", test_file)
    outcome = "fires" if fires else "quiet"
    assert result.returncode == 0, f"{first.alert} pack ({outcome}):\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("alert", PACK_ALERTS)
def test_a_packs_trouble_fires_for_each_of_its_agents_and_no_other(
    promtool_bin: str, tmp_path: Path, alert: str
) -> None:
    """The pack's one pod (or Deployment) misbehaves: the alert fires once for each agent in it, with that agent's
    labels and the pack's pod, and for no other agent of the fleet; a near miss fires for none."""
    cases = [alert_cases.PER_AGENT[alert](a) for a in PACKED]
    assert {c.labels.get("pod") for c in cases} <= {None, pod(PACKED[0])}  # one pod for both: the pack's
    _pack_test(promtool_bin, tmp_path, cases, fires=True)
    _pack_test(promtool_bin, tmp_path, cases, fires=False)


def test_a_packs_evicted_pod_does_not_stand_for_its_agents(promtool_bin: str, tmp_path: Path) -> None:
    """An evicted pod lingers in phase Failed beside its replacement: the agents are the live pod's, so the
    replacement's crash loop fires for them and the join still has one pod per pack to match."""
    cases = [alert_cases.crash_looping(a) for a in PACKED]
    evicted = pack_pod_series(PACKED[0], f"{PACKED[0].pack}-5c4b3a2d1-zzzzz", phase="Failed")
    _pack_test(promtool_bin, tmp_path, cases, fires=True, extra=evicted)
