"""Dashboards: valid Grafana JSON with template variables, every PromQL query parsed by the real promtool
(as recording rules), and the agent dashboard's variables and panels evaluated by promtool against a fleet of
several tenants: they list the agents and show the chosen agent only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad import naming
from launchpad.monitoring import dashboards, grafana_units, promtool, rules
from tests.monitoring.agents import AGENTS, FLEET, PACKED, by_name, healthy_fleet, pod
from tests.monitoring.alert_cases import memory

LIMIT_SHARE = {"bot": 40, "bot-two": 60, "web": 70, "helper": 80}  # % of the memory limit each agent uses
PACK_SHARE = 30  # % of its limit the pod of PACKED's pack uses


def _all_dashboards() -> list[dashboards.Dashboard]:
    return [dashboards.fleet_dashboard(FLEET), dashboards.agent_dashboard(FLEET)]


def _check(promtool_bin: str, tmp_path: Path, found: list[tuple[str, str]]) -> str:
    path = promtool.write_rules(promtool.as_recording_rules(found), tmp_path / "dashboard-queries.yaml")
    result = promtool.run(promtool_bin, "check", "rules", path)
    where = "\n".join(f"dashboard:query_{i}: {w}" for i, (w, _) in enumerate(found))
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{where}"
    return result.stdout


@pytest.mark.promtool
def test_every_dashboard_query_parses(promtool_bin: str, tmp_path: Path) -> None:
    found = [q for d in _all_dashboards() for q in promtool.queries(d)]
    # Every panel target of both files, plus the query variables (tenant twice, agent, namespace).
    assert len(found) >= 8 + 15 + 4
    assert f"SUCCESS: {len(found)} rules found" in _check(promtool_bin, tmp_path, found)


@pytest.mark.promtool
def test_a_broken_dashboard_query_fails(promtool_bin: str, tmp_path: Path) -> None:
    d = dashboards.agent_dashboard(FLEET)
    next(iter(dashboards.panels(d)))["targets"][0]["expr"] = (
        'sum(rate(container_cpu_usage_seconds_total{pod="$agent"}[5m]'
    )
    with pytest.raises(AssertionError, match="unclosed left parenthesis"):
        _check(promtool_bin, tmp_path, list(promtool.queries(d)))


def _evaluate(promtool_bin: str, tmp_path: Path, tests: list[dict[str, Any]]) -> None:
    """promtool `promql_expr_test`s over the fleet's rules (they record the info series the dashboards read)."""
    rule_file = promtool.write_rules(rules.rule_groups(FLEET), tmp_path / "rules.yaml")
    inputs = healthy_fleet()
    for a in AGENTS:
        where = {"namespace": a.namespace, "pod": pod(a), "container": "eliza"}
        inputs += memory(where, 2_000_000_000 * LIMIT_SHARE[a.name] // 100)
    packed = PACKED[0]  # one pod for both: their pack's
    inputs += memory({"namespace": packed.namespace, "pod": pod(packed), "container": "eliza"}, 20_000_000 * PACK_SHARE)
    group = {"interval": "1m", "input_series": inputs, "promql_expr_test": tests}
    test = {"rule_files": [rule_file.name], "evaluation_interval": "1m", "tests": [group]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False, width=1000))
    result = promtool.run(promtool_bin, "test", "rules", tmp_path / "test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def _variable_query(d: dashboards.Dashboard, name: str) -> str:
    query = dashboards.variables(d)[name]["query"]["query"]
    assert query.startswith("label_values(") and query.endswith(")")
    return query[len("label_values(") : query.rindex(",")]


@pytest.mark.promtool
def test_the_agent_variables_list_the_fleet_by_tenant(promtool_bin: str, tmp_path: Path) -> None:
    d = dashboards.agent_dashboard(FLEET)
    info = "launchpad:agent_deployment:info"

    def row(a: Any) -> dict[str, Any]:
        labels = {"__name__": info, "agent": a.name, "deployment": a.deployment, "namespace": a.namespace,
                  "tenant": a.tenant, **({"pack": a.pack} if a.pack else {})}  # fmt: skip
        return {"labels": "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}", "value": 1}

    tests = [
        # tenant: every tenant of the fleet; agent (tenant acme): acme's agents only, its packed ones included
        # (their Deployment is their pack's); namespace of the agent.
        {"expr": _variable_query(d, "tenant"), "eval_time": "5m", "exp_samples": [row(a) for a in [*AGENTS, *PACKED]]},
        {
            "expr": promtool.substitute(_variable_query(d, "agent"), {"tenant": "acme"}),
            "eval_time": "5m",
            "exp_samples": [row(by_name(n)) for n in ("bot", "bot-two", "pk-one", "pk-two")],
        },
        {
            "expr": promtool.substitute(_variable_query(d, "namespace"), {"agent": "web"}),
            "eval_time": "5m",
            "exp_samples": [row(by_name("web"))],
        },
    ]
    _evaluate(promtool_bin, tmp_path, tests)


@pytest.mark.promtool
def test_the_memory_panel_shows_the_chosen_agent_only(promtool_bin: str, tmp_path: Path) -> None:
    d = dashboards.agent_dashboard(FLEET)
    (panel,) = [p for p in dashboards.panels(d) if p["title"] == "Memory working set"]
    targets = {t["refId"]: t["expr"] for t in panel["targets"]}
    a = by_name("bot-two")
    values = {**promtool.variable_values(d), "agent": a.name, "tenant": a.tenant, "namespace": a.namespace}
    tests = [
        {
            "expr": promtool.substitute(targets["A"], values),
            "eval_time": "5m",
            "exp_samples": [{"labels": f'{{pod="{pod(a)}"}}', "value": 2_000_000_000 * LIMIT_SHARE[a.name] // 100}],
        },
        # The line where AgentMemoryNearLimit fires: 90% of this agent's limit.
        {
            "expr": promtool.substitute(targets["C"], values),
            "eval_time": "5m",
            "exp_samples": [{"labels": "{}", "value": 1.8e9}],
        },
    ]
    _evaluate(promtool_bin, tmp_path, tests)


@pytest.mark.promtool
def test_the_fleet_overview_shows_packed_agents_one_by_one(promtool_bin: str, tmp_path: Path) -> None:
    """A pack's pod and Deployment stand for each of its agents: counted and shown once per agent, not refused
    by PromQL as a many-to-many match (two agents' info series on one pod)."""
    d = dashboards.fleet_dashboard(FLEET)
    targets = {p["title"]: p["targets"][0]["expr"] for p in dashboards.panels(d) if p.get("targets")}
    values = {**promtool.variable_values(d), "tenant": ".*"}

    def share(a: Any) -> float:
        return (PACK_SHARE if a.pack else LIMIT_SHARE[a.name]) / 100

    tests = [
        {
            "expr": promtool.substitute(targets["Agents up by tenant"], values),
            "eval_time": "5m",
            "exp_samples": [{"labels": '{tenant="acme"}', "value": 4}, {"labels": '{tenant="default"}', "value": 1},
                            {"labels": '{tenant="zeta"}', "value": 1}],
        },
        {
            "expr": promtool.substitute(targets["Memory working set / memory limit"], values),
            "eval_time": "5m",
            "exp_samples": [{"labels": f'{{agent="{a.name}", pod="{pod(a)}"}}', "value": share(a)}
                            for a in [*AGENTS, *PACKED]],
        },
    ]  # fmt: skip
    _evaluate(promtool_bin, tmp_path, tests)


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


def test_the_agent_dashboard_is_templated_on_tenant_and_agent() -> None:
    d = dashboards.agent_dashboard(FLEET)
    variables = dashboards.variables(d)
    for name in ("tenant", "agent", "namespace"):
        assert variables[name]["type"] == "query"
        assert variables[name]["query"]["query"].startswith("label_values(launchpad:agent_deployment:info")
    assert (
        variables["agent"]["query"]["query"] == 'label_values(launchpad:agent_deployment:info{tenant="$tenant"}, agent)'
    )
    assert variables["container"]["current"]["value"] == naming.CONTAINER_NAME
    assert variables["memory_near_limit"]["current"]["value"] == str(rules.MEMORY_NEAR_LIMIT)
    assert len(d["uid"]) <= 40


def test_fleet_overview_covers_what_operators_need() -> None:
    d = dashboards.fleet_dashboard(FLEET)
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
    assert promtool.variable_values(d)["fleet"] == FLEET
    tenant = dashboards.variables(d)["tenant"]
    assert (tenant["type"], tenant["multi"], tenant["includeAll"]) == ("query", True, True)


def test_the_dashboards_are_the_same_json_for_every_fleet_size() -> None:
    """Nothing in them depends on the agents: the same two ConfigMaps for 1 agent or 10,000."""
    for cm in (dashboards.fleet_config_map(FLEET), dashboards.agent_config_map(FLEET)):
        (body,) = cm["data"].values()
        assert "bot" not in body and "tenant-" not in body


def test_long_names_give_short_distinct_uids() -> None:
    a, b = dashboards.uid("launchpad", "production", "x" * 60), dashboards.uid("launchpad", "production", "x" * 61)
    assert len(a) == len(b) == 40
    assert a != b


def test_config_maps_are_labelled_for_the_sidecar() -> None:
    for cm in (dashboards.fleet_config_map(FLEET), dashboards.agent_config_map(FLEET)):
        meta = cm["metadata"]
        assert meta["namespace"] == naming.MONITORING_NAMESPACE
        assert meta["labels"]["grafana_dashboard"] == "1"
        assert meta["labels"][naming.FLEET_LABEL] == FLEET
        (name, body) = next(iter(cm["data"].items()))
        assert name == f"{json.loads(body)['uid']}.json"


def test_every_dashboard_file_is_used() -> None:
    files = {p.name for p in dashboards.DASHBOARD_DIR.glob("*.json")}
    assert files == {dashboards.FLEET_FILE, dashboards.AGENT_FILE}


def test_every_panel_has_a_description_and_a_grafana_unit() -> None:
    files = {f: dashboards.load(f) for f in (dashboards.FLEET_FILE, dashboards.AGENT_FILE)}
    rendered = {"fleet": dashboards.fleet_dashboard(FLEET), "agent": dashboards.agent_dashboard(FLEET)}
    for name, d in {**files, **rendered}.items():
        assert len(list(dashboards.panels(d))) >= 8, name
        assert dashboards.convention_problems(name, d) == []


def test_a_panel_without_description_or_with_an_unknown_unit_is_caught() -> None:
    d = dashboards.agent_dashboard(FLEET)
    cpu, memory, health = (next(p for p in dashboards.panels(d) if p["title"] == t)
                           for t in ("CPU", "Memory working set", "Health probe (/health)"))  # fmt: skip
    cpu["fieldConfig"]["defaults"]["unit"] = "cores"  # what the CPU panel had: not a Grafana unit id
    del memory["description"]
    del memory["fieldConfig"]["defaults"]["unit"]
    health["fieldConfig"]["overrides"][0]["properties"][0]["value"] = "seconds"
    assert dashboards.convention_problems("agent", d) == [
        "agent: panel 2 'Health probe (/health)': unit 'seconds' is not a Grafana unit id",
        "agent: panel 4 'CPU': unit 'cores' is not a Grafana unit id",
        "agent: panel 5 'Memory working set': no description",
        "agent: panel 5 'Memory working set': no unit (fieldConfig.defaults.unit)",
    ]


def test_the_unit_ids_are_grafanas() -> None:
    """A few ids of each kind the dashboards use, and ones that are not ids (categories.ts, cited in the module)."""
    ids = grafana_units.UNIT_IDS
    assert {"none", "short", "percentunit", "bytes", "decbytes", "s", "ms", "reqps", "bool_yes_no"} <= ids
    assert not {"cores", "seconds", "byte", "percent_unit", ""} & ids
    assert sum(len(category) for category in grafana_units.UNIT_IDS_BY_CATEGORY.values()) == len(ids)  # no repeats
