"""MonitoringStack under Pulumi mocks: which resources it declares (the same whatever the fleet: it takes
no agents), the chart values with install: true, the dashboard ConfigMaps, and the receiver URLs staying
secret."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pulumi
import pytest

from tests.pulumi_mocks import MOCKS, Registered, install, is_secret, run_program, unwrap

install()

import pulumi_kubernetes as k8s  # noqa: E402

from components.monitoring_stack import MonitoringStack, MonitoringStackArgs  # noqa: E402
from launchpad import naming  # noqa: E402
from launchpad.monitoring import dashboards, rules  # noqa: E402
from launchpad.monitoring.settings import MonitoringSettings, parse_monitoring  # noqa: E402
from tests.monitoring.agents import FLEET  # noqa: E402

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
    assert rule.inputs["spec"] == rules.rule_groups(FLEET, health_probes=True)
    # One health scrape for every agent, whose failure is alerted.
    (health,) = _custom(resources, "ScrapeConfig")
    assert health.inputs["apiVersion"] == "monitoring.coreos.com/v1alpha1"
    assert health.inputs["spec"]["kubernetesSDConfigs"][0]["selectors"] == [
        {"role": "Service", "label": naming.AGENT_LABEL}
    ]
    assert "AgentHealthCheckFailing" in rules.alert_names(rule.inputs["spec"])
    assert len(_custom(resources, "AlertmanagerConfig")) == 1
    assert Counter(r.typ for r in resources) == {
        "agent-launchpad:index:MonitoringStack": 1,
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule": 1,
        "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig": 1,
        "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig": 1,
        CONFIG_MAP: 2,
        SECRET: 1,
    }


def test_blackbox_off_means_no_probes_and_no_receivers_no_alertmanager_config() -> None:
    resources = _deploy({})
    assert not _custom(resources, "ScrapeConfig")
    (rule,) = _custom(resources, "PrometheusRule")
    assert "AgentHealthCheckFailing" not in rules.alert_names(rule.inputs["spec"])
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
    assert "searchNamespace" not in dashboards  # the dashboards live in the chart's own namespace
    assert dashboards["label"] == "grafana_dashboard"
    # kube-state-metrics exports the agent labels the rules select on (and the pack of packed agents).
    assert values["kube-state-metrics"]["metricLabelsAllowlist"] == [
        f"{kind}=[launchpad.dev/agent,launchpad.dev/tenant,launchpad.dev/pack]"
        for kind in ("pods", "deployments", "services", "horizontalpodautoscalers")
    ]
    spec = values["prometheus"]["prometheusSpec"]
    for key in ("serviceMonitor", "rule", "podMonitor", "probe", "scrapeConfig"):
        assert spec[f"{key}SelectorNilUsesHelmValues"] is False, key
    assert values["alertmanager"]["alertmanagerSpec"]["alertmanagerConfigMatcherStrategy"] == {"type": "None"}
    (ns,) = [r for r in resources if r.typ == "kubernetes:core/v1:Namespace"]
    assert ns.inputs["metadata"]["name"] == "observability"
    (rule,) = _custom(resources, "PrometheusRule")
    assert rule.inputs["metadata"]["namespace"] == "observability"
    assert {r.inputs["metadata"]["namespace"] for r in resources if r.typ == CONFIG_MAP} == {"observability"}


def test_install_true_with_blackbox_chart_version_installs_the_exporter_too() -> None:
    resources = _deploy(
        {"install": True, "chartVersion": "77.1.0", "blackbox": {"enabled": True, "chartVersion": "11.3.1"}}
    )
    charts = {r.inputs["chart"]: r.inputs for r in resources if r.typ == CHART}
    assert charts["prometheus-blackbox-exporter"]["version"] == "11.3.1"
    assert charts["prometheus-blackbox-exporter"]["values"]["fullnameOverride"] == "prometheus-blackbox-exporter"


def test_two_dashboard_config_maps_in_the_monitoring_namespace() -> None:
    resources = _deploy({})
    maps = {r.name: r.inputs for r in resources if r.typ == CONFIG_MAP}
    assert maps == {
        "monitoring-fleet-dashboard": dashboards.fleet_config_map(FLEET),
        "monitoring-agent-dashboard": dashboards.agent_config_map(FLEET),
    }


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
            MonitoringStackArgs(FLEET, parse_monitoring(settings, "dev"), URLS),
            opts=opts,
        )

    run_program(program)
    children = [r for r in MOCKS.resources if r.typ.startswith("kubernetes:") and r.name != "render"]
    assert len(children) > 5
    for r in children:
        assert r.provider is not None and "::render::" in r.provider, f"{r.typ} {r.name}: {r.provider}"


@pulumi.runtime.test
def test_outputs_name_the_rule_and_every_dashboard() -> Any:
    stack = MonitoringStack("outputs", MonitoringStackArgs(FLEET, MonitoringSettings()))

    def check(args: list[Any]) -> None:
        rule, maps = args
        assert rule == f"monitoring/launchpad-{FLEET}-agents"
        assert maps == [
            f"monitoring/launchpad-{FLEET}-fleet-dashboard",
            f"monitoring/launchpad-{FLEET}-agent-dashboard",
        ]

    return pulumi.Output.all(stack.prometheus_rule, stack.dashboards).apply(check)


def test_an_assertion_inside_apply_does_fail() -> None:
    """The pattern above is only worth something if a false assertion in the apply fails the test."""

    @pulumi.runtime.test
    def wrong() -> Any:
        stack = MonitoringStack("wrong", MonitoringStackArgs(FLEET, MonitoringSettings()))
        return stack.prometheus_rule.apply(lambda rule: _fail(rule == "nothing"))

    with pytest.raises(AssertionError):
        wrong()


def _fail(ok: bool) -> None:
    assert ok
