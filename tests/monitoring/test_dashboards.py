"""Dashboards: every PromQL query in them parsed by the real promtool (as recording rules), and the
per-agent defaults the code fills in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchpad import naming
from launchpad.monitoring import dashboards, promtool
from tests.monitoring.agents import AGENTS, FLEET, LIMIT, by_name


def _all_dashboards() -> list[dashboards.Dashboard]:
    return [dashboards.fleet_dashboard(AGENTS, FLEET)] + [dashboards.agent_dashboard(a, FLEET) for a in AGENTS]


def _check(promtool_bin: str, tmp_path: Path, found: list[tuple[str, str]]) -> str:
    path = promtool.write_rules(promtool.as_recording_rules(found), tmp_path / "dashboard-queries.yaml")
    result = promtool.run(promtool_bin, "check", "rules", path)
    where = "\n".join(f"dashboard:query_{i}: {w}" for i, (w, _) in enumerate(found))
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{where}"
    return result.stdout


@pytest.mark.promtool
def test_every_dashboard_query_parses(promtool_bin: str, tmp_path: Path) -> None:
    found = [q for d in _all_dashboards() for q in promtool.queries(d)]
    # Both files, every panel target, plus the namespace variable of each agent dashboard.
    assert len(found) >= 8 + 14 * len(AGENTS)
    assert f"SUCCESS: {len(found)} rules found" in _check(promtool_bin, tmp_path, found)


@pytest.mark.promtool
def test_a_broken_dashboard_query_fails(promtool_bin: str, tmp_path: Path) -> None:
    d = dashboards.agent_dashboard(by_name("bot"), FLEET)
    next(iter(dashboards.panels(d)))["targets"][0]["expr"] = (
        'sum(rate(container_cpu_usage_seconds_total{pod="$agent"}[5m]'
    )
    with pytest.raises(AssertionError, match="unclosed left parenthesis"):
        _check(promtool_bin, tmp_path, list(promtool.queries(d)))


def test_variables_are_substituted_and_typos_rejected() -> None:
    values = {"agent": "bot", "namespace": "tenant-acme"}
    expr = 'label_replace(rate(x{pod=~"${agent}-.+", ns="[[namespace]]"}[$__rate_interval]), "t", "$1", "n", "(.*)")'
    assert promtool.substitute(expr, values) == (
        'label_replace(rate(x{pod=~"bot-.+", ns="tenant-acme"}[5m]), "t", "$1", "n", "(.*)")'
    )
    with pytest.raises(ValueError, match=r"unknown dashboard variable \$agnet"):
        promtool.substitute('up{pod="$agnet"}', values)


def test_no_query_is_left_with_a_template_variable() -> None:
    for d in _all_dashboards():
        for where, expr in promtool.queries(d):
            assert "$" not in expr.replace('"$1"', ""), where


def test_fleet_overview_covers_what_operators_need() -> None:
    d = dashboards.fleet_dashboard(AGENTS, FLEET)
    titles = {p["title"] for p in dashboards.panels(d)}
    assert {
        "Agents up by tenant",
        "Agents down by tenant",
        "Restarts in the last hour",
        "CPU used / CPU limit",
        "Memory working set / memory limit",
        "Top memory consumers",
        "Top CPU consumers",
    } <= titles
    values = promtool.variable_values(d)
    assert values["namespaces"] == "agent-web|tenant-acme"
    assert values["agents"] == "bot|bot-two|web"
    assert values["fleet"] == FLEET


def test_agent_dashboard_opens_on_its_agent() -> None:
    a = by_name("bot-two")
    d = dashboards.agent_dashboard(a, FLEET)
    agent_var = dashboards.variables(d)["agent"]
    assert agent_var["current"]["value"] == "bot-two"
    assert [o["value"] for o in agent_var["options"]] == ["bot-two"]  # its own agent only: O(fleet) in all
    assert dashboards.variables(d)["namespaces"]["current"]["value"] == "tenant-acme"
    assert dashboards.variables(d)["namespace"]["current"]["value"] == "tenant-acme"
    (memory,) = [p for p in dashboards.panels(d) if p["title"] == dashboards.MEMORY_PANEL]
    assert memory["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] == LIMIT * 9 // 10
    assert len(d["uid"]) <= 40
    other = dashboards.agent_dashboard(by_name("bot"), FLEET)
    assert other["uid"] != d["uid"]


def test_long_names_give_short_distinct_uids() -> None:
    a, b = dashboards.uid("launchpad", "production", "x" * 60), dashboards.uid("launchpad", "production", "x" * 61)
    assert len(a) == len(b) == 40
    assert a != b


def test_config_maps_are_labelled_for_the_sidecar_and_the_policy_pack() -> None:
    fleet_cm = dashboards.fleet_config_map(AGENTS, FLEET)
    assert fleet_cm["metadata"]["namespace"] == naming.MONITORING_NAMESPACE
    assert fleet_cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    for a in AGENTS:
        cm = dashboards.agent_config_map(a, FLEET)
        meta = cm["metadata"]
        assert meta["namespace"] == a.namespace
        assert meta["labels"]["grafana_dashboard"] == "1"
        assert meta["labels"][naming.AGENT_LABEL] == a.name
        (body,) = cm["data"].values()
        assert json.loads(body)["uid"] == dashboards.agent_dashboard(a, FLEET)["uid"]


def test_every_dashboard_file_is_used() -> None:
    files = {p.name for p in dashboards.DASHBOARD_DIR.glob("*.json")}
    assert files == {dashboards.FLEET_FILE, dashboards.AGENT_FILE}
