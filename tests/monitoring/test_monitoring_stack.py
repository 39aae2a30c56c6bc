"""MonitoringStack under Pulumi mocks: which resources it declares, the chart values with install: true,
the dashboard ConfigMap labels, and the receiver URLs staying secret."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from tests.pulumi_mocks import MOCKS, Registered, install, is_secret, run_program, unwrap

install()

import pulumi_kubernetes as k8s  # noqa: E402

from components.monitoring_stack import MonitoringStack, MonitoringStackArgs  # noqa: E402
from launchpad import naming  # noqa: E402
from launchpad.monitoring.settings import MonitoringSettings, parse_monitoring  # noqa: E402
from tests.monitoring.agents import AGENTS, FLEET  # noqa: E402

CHART = "kubernetes:helm.sh/v4:Chart"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
URLS = {"critical": "https://hooks.example.com/critical-s3cr3t", "warning": "https://hooks.example.com/warn-s3cr3t"}
RECEIVERS = {"critical": {"urlSecret": "alertCriticalUrl"}, "warning": {"type": "slack", "urlSecret": "alertWarnUrl"}}


def _deploy(settings: dict[str, Any], urls: dict[str, str] | None = None, **opts: Any) -> list[Registered]:
    def program() -> None:
        MonitoringStack(
            "monitoring",
            MonitoringStackArgs(
                agents=AGENTS,
                fleet=FLEET,
                settings=parse_monitoring(settings, "dev"),
                receiver_urls={k: pulumi.Output.secret(v) for k, v in (urls or {}).items()},
            ),
            opts=pulumi.ResourceOptions(**opts) if opts else None,
        )

    run_program(program)
    return list(MOCKS.resources)


def _custom(resources: list[Registered], kind: str) -> list[Registered]:
    return [r for r in resources if r.typ.startswith("kubernetes:") and r.inputs.get("kind") == kind]


def test_install_false_adds_only_this_projects_objects() -> None:
    resources = _deploy({"install": False, "blackbox": {"enabled": True}, "receivers": RECEIVERS}, URLS)
    assert not [r for r in resources if r.typ in (CHART, "kubernetes:core/v1:Namespace")]
    (rule,) = _custom(resources, "PrometheusRule")
    assert rule.inputs["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule.inputs["metadata"]["labels"][naming.FLEET_LABEL] == FLEET
    # The policy pack's contract: a rule labelled with each agent.
    agents = {r["labels"]["agent"] for g in rule.inputs["spec"]["groups"] for r in g["rules"]}
    assert {a.name for a in AGENTS} <= agents
    probes = _custom(resources, "Probe")
    assert sorted(p.inputs["spec"]["targets"]["staticConfig"]["static"][0] for p in probes) == [
        "http://bot-two.tenant-acme.svc:3000/health",
        "http://bot.tenant-acme.svc:3000/health",
        "http://web.agent-web.svc:3000/health",
    ]
    # Each probe has its alert.
    health = {
        r["labels"]["agent"]
        for g in rule.inputs["spec"]["groups"]
        for r in g["rules"]
        if r["alert"] == "AgentHealthCheckFailing"
    }
    assert health == {a.name for a in AGENTS}
    assert len(_custom(resources, "AlertmanagerConfig")) == 1
    assert {r.typ for r in resources} == {
        "agent-launchpad:index:MonitoringStack",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        "kubernetes:monitoring.coreos.com/v1:Probe",
        "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
        CONFIG_MAP,
        SECRET,
    }


def test_blackbox_off_means_no_probes_and_no_receivers_no_alertmanager_config() -> None:
    resources = _deploy({})
    assert not _custom(resources, "Probe")
    (rule,) = _custom(resources, "PrometheusRule")
    assert "AgentHealthCheckFailing" not in {r["alert"] for g in rule.inputs["spec"]["groups"] for r in g["rules"]}
    assert not _custom(resources, "AlertmanagerConfig")
    assert not [r for r in resources if r.typ == SECRET]


def test_install_true_installs_the_pinned_chart_with_selectors_open() -> None:
    resources = _deploy({"install": True, "chartVersion": "77.1.0", "namespace": "observability"})
    (chart,) = [r for r in resources if r.typ == CHART]
    assert chart.inputs["chart"] == "kube-prometheus-stack"
    assert chart.inputs["version"] == "77.1.0"
    assert chart.inputs["namespace"] == "observability"
    assert chart.inputs["repositoryOpts"]["repo"] == "https://prometheus-community.github.io/helm-charts"
    values = chart.inputs["values"]
    dashboards = values["grafana"]["sidecar"]["dashboards"]
    assert dashboards["enabled"] is True
    assert dashboards["searchNamespace"] == "ALL"
    assert dashboards["label"] == "grafana_dashboard"
    spec = values["prometheus"]["prometheusSpec"]
    for key in ("serviceMonitor", "rule", "podMonitor", "probe"):
        assert spec[f"{key}SelectorNilUsesHelmValues"] is False, key
    assert values["alertmanager"]["alertmanagerSpec"]["alertmanagerConfigMatcherStrategy"] == {"type": "None"}
    (ns,) = [r for r in resources if r.typ == "kubernetes:core/v1:Namespace"]
    assert ns.inputs["metadata"]["name"] == "observability"
    (rule,) = _custom(resources, "PrometheusRule")
    assert rule.inputs["metadata"]["namespace"] == "observability"


def test_install_true_with_blackbox_chart_version_installs_the_exporter_too() -> None:
    resources = _deploy(
        {"install": True, "chartVersion": "77.1.0", "blackbox": {"enabled": True, "chartVersion": "11.3.1"}}
    )
    charts = {r.inputs["chart"]: r.inputs for r in resources if r.typ == CHART}
    assert charts["prometheus-blackbox-exporter"]["version"] == "11.3.1"
    assert charts["prometheus-blackbox-exporter"]["values"]["fullnameOverride"] == "prometheus-blackbox-exporter"


def test_dashboard_config_maps_are_labelled_and_placed() -> None:
    resources = _deploy({})
    maps = {r.name: r.inputs for r in resources if r.typ == CONFIG_MAP}
    assert set(maps) == {"monitoring-fleet-dashboard"} | {f"monitoring-{a.name}-dashboard" for a in AGENTS}
    assert maps["monitoring-fleet-dashboard"]["metadata"]["namespace"] == naming.MONITORING_NAMESPACE
    assert maps["monitoring-fleet-dashboard"]["metadata"]["labels"]["grafana_dashboard"] == "1"
    for a in AGENTS:
        meta = maps[f"monitoring-{a.name}-dashboard"]["metadata"]
        assert meta["namespace"] == a.namespace
        assert meta["labels"]["grafana_dashboard"] == "1"
        assert meta["labels"][naming.AGENT_LABEL] == a.name
        (body,) = maps[f"monitoring-{a.name}-dashboard"]["data"].values()
        assert json.loads(body)["templating"]["list"][1]["current"]["value"] == a.name


def test_receiver_urls_are_secret_and_only_referenced() -> None:
    resources = _deploy({"receivers": RECEIVERS}, URLS)
    (secret,) = [r for r in resources if r.typ == SECRET]
    data = secret.inputs["stringData"]
    assert is_secret(data) or all(is_secret(v) for v in data.values()), "receiver URLs must travel as secrets"
    plain = unwrap(data)
    assert {k: unwrap(v) for k, v in plain.items()} == URLS
    others = [r for r in resources if r.typ != SECRET]
    assert "s3cr3t" not in json.dumps([r.inputs for r in others], default=str)
    (amc,) = _custom(resources, "AlertmanagerConfig")
    receivers = {r["name"]: r for r in amc.inputs["spec"]["receivers"]}
    name = secret.inputs["metadata"]["name"]
    assert receivers["critical"]["webhookConfigs"][0]["urlSecret"] == {"name": name, "key": "critical"}
    assert receivers["warning"]["slackConfigs"][0]["apiURL"] == {"name": name, "key": "warning"}
    routes = {r["receiver"]: r["matchers"] for r in amc.inputs["spec"]["route"]["routes"]}
    assert routes == {
        "critical": [{"name": "severity", "value": "critical", "matchType": "="}],
        "warning": [{"name": "severity", "value": "warning", "matchType": "="}],
    }


def test_a_receiver_without_its_url_is_refused() -> None:
    with pytest.raises(Exception, match=r"no receiver URL for severities \['warning'\]"):
        _deploy({"receivers": RECEIVERS}, {"critical": URLS["critical"]})


@pytest.mark.parametrize("how", ["providers", "provider"])
def test_every_child_uses_the_given_provider(how: str) -> None:
    def program() -> None:
        render = k8s.Provider("render", render_yaml_to_directory="/tmp/render")
        opts = (
            pulumi.ResourceOptions(providers=[render])
            if how == "providers"
            else pulumi.ResourceOptions(provider=render)
        )
        settings = {"install": True, "chartVersion": "77.1.0", "blackbox": {"enabled": True}, "receivers": RECEIVERS}
        MonitoringStack(
            "monitoring",
            MonitoringStackArgs(AGENTS, FLEET, parse_monitoring(settings, "dev"), URLS),
            opts=opts,
        )

    run_program(program)
    children = [r for r in MOCKS.resources if r.typ.startswith("kubernetes:") and r.name != "render"]
    assert len(children) > 5
    for r in children:
        assert r.provider is not None and "::render::" in r.provider, f"{r.typ} {r.name}: {r.provider}"


@pulumi.runtime.test
def test_outputs_name_the_rule_and_every_dashboard() -> Any:
    stack = MonitoringStack("outputs", MonitoringStackArgs(AGENTS, FLEET, MonitoringSettings()))

    def check(args: list[Any]) -> None:
        rule, maps = args
        assert rule == f"monitoring/launchpad-{FLEET}-agents"
        assert maps == [f"launchpad-{FLEET}-fleet-dashboard"] + [f"{a.namespace}/{a.name}-dashboard" for a in AGENTS]

    return pulumi.Output.all(stack.prometheus_rule, stack.dashboards).apply(check)


def test_an_assertion_inside_apply_does_fail() -> None:
    """The pattern above is only worth something if a false assertion in the apply fails the test."""

    @pulumi.runtime.test
    def wrong() -> Any:
        stack = MonitoringStack("wrong", MonitoringStackArgs(AGENTS, FLEET, MonitoringSettings()))
        return stack.prometheus_rule.apply(lambda rule: _fail(rule == "nothing"))

    with pytest.raises(AssertionError):
        wrong()


def _fail(ok: bool) -> None:
    assert ok
