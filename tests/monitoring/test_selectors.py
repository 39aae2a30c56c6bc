"""The selection contract between the rules and the workloads: the label names kube-state-metrics gives
our labels, the PromQL selector reader the policy pack uses, and the real agents' objects being selected
by the rules' info series."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.fleet import load_fleet
from launchpad.monitoring import rules, selectors
from launchpad.monitoring.selectors import DEPLOYMENTS, HPAS, PODS, SERVICES, AgentObjects
from launchpad.workloads.agent_objects import agent_manifests

ROOT = Path(__file__).resolve().parents[2]


def test_label_names_as_kube_state_metrics_makes_them() -> None:
    # internal/store/utils.go: SanitizeLabelName, then toSnakeCase.
    assert selectors.ksm_label("launchpad.dev/agent") == "label_launchpad_dev_agent"
    assert selectors.ksm_label("app.kubernetes.io/part-of") == "label_app_kubernetes_io_part_of"
    assert selectors.ksm_label("teamName") == "label_team_name"


def test_the_allowlist_names_every_kind_the_rules_read() -> None:
    assert selectors.metric_labels_allowlist() == [
        "pods=[launchpad.dev/agent,launchpad.dev/tenant,launchpad.dev/pack]",
        "deployments=[launchpad.dev/agent,launchpad.dev/tenant,launchpad.dev/pack]",
        "services=[launchpad.dev/agent,launchpad.dev/tenant,launchpad.dev/pack]",
        "horizontalpodautoscalers=[launchpad.dev/agent,launchpad.dev/tenant,launchpad.dev/pack]",
    ]


def test_selectors_are_read_back_out_of_promql() -> None:
    expr = 'sum(rate(x{a="1", b=~"p|q"}[5m])) / on (a) y{c!="", d!~"z\\\\.w"} or up'
    assert list(selectors.selectors(expr)) == [
        ("x", [("a", "=", "1"), ("b", "=~", "p|q")]),
        ("y", [("c", "!=", ""), ("d", "!~", "z\\.w")]),
    ]


@pytest.mark.parametrize(
    ("matchers", "labels", "selected"),
    [
        ([("a", "=", "1")], {"a": "1"}, True),
        ([("a", "!=", "")], {}, False),  # a missing label is the empty string
        ([("a", "=~", "p|q")], {"a": "pq"}, False),  # regexes are anchored
        ([("a", "!~", "p.*")], {"a": "x"}, True),
    ],
)
def test_matchers_as_promql_applies_them(matchers: list, labels: dict, selected: bool) -> None:
    assert selectors.matches(matchers, labels) is selected


def _info_selects(kind: AgentObjects, namespace: str, name: str, labels: dict[str, str]) -> bool:
    series = selectors.ksm_series_labels(kind, namespace, name, labels)
    (record,) = [r for r in rules.recording_rules() if r["record"] == kind.record]
    return any(m == kind.source and selectors.matches(ms, series) for m, ms in selectors.selectors(record["expr"]))


def test_the_rules_select_every_object_of_the_example_agents() -> None:
    for agent in load_fleet([ROOT / "agents"]).agents:
        objects = agent_manifests(agent, {})
        ns = agent.namespace
        template = objects.deployment["spec"]["template"]
        assert _info_selects(PODS, ns, f"{agent.name}-x", template["metadata"]["labels"]), agent.name
        for kind, manifest in ((DEPLOYMENTS, objects.deployment), (SERVICES, objects.service), (HPAS, objects.hpa)):
            if manifest is not None:
                assert _info_selects(kind, ns, manifest["metadata"]["name"], manifest["metadata"]["labels"])
        # The alerts select the main container by name.
        assert next(c["name"] for c in template["spec"]["containers"]) == selectors.CONTAINER.split('"')[1]


def test_an_object_without_the_agent_label_is_not_selected() -> None:
    assert not _info_selects(PODS, "tenant-acme", "other-x", {"app": "other", "launchpad.dev/tenant": "acme"})
