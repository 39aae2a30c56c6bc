"""Every agent is selected by the fleet's alert rules and its agent dashboard.

The fleet's rules name no agent (launchpad.monitoring.selectors): they record an `agent`/`tenant` info
series from kube-state-metrics' `kube_<kind>_labels` of every labelled agent object and join to it. So "the
agent has alerts" means: for each of the agent's objects in the stack (its pods, from the Deployment's
template, the Deployment, Service and HPA), the series kube-state-metrics would export for it is selected by
the matching recording rule of a PrometheusRule in the stack; its pods have a container the alerts select;
and a dashboard ConfigMap has an `agent` variable listing the values of a recorded info series that holds
this agent. The selectors are read back out of the rules' PromQL, so a changed rule or a dropped label fails
here, not silently in production. A packed agent (several agents in one server, launchpad/fleet/packing.py) has
no Deployment of its own: its pod and Deployment are its pack's (labelled `launchpad.dev/pack`), which the pod
and Deployment rules must select, and its Service (labelled with the agent and the pack) must be what those
rules join to the pack. In a shard stack the rules and dashboards are its platform's: their facts
come from the platform's output through the shard's StackReference (policies/platform.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from launchpad import naming
from launchpad.monitoring.dashboards import SIDECAR_LABEL
from launchpad.monitoring.selectors import (
    KINDS,
    PODS,
    SERVICES,
    AgentObjects,
    Matcher,
    ksm_series_labels,
    matches,
    selectors,
)
from launchpad.stacks.platform_facts import dashboard_agent_selectors, rule_selection
from policies.kubernetes.workloads import DEPLOYMENT, agent_name, labels, pack_name
from policies.platform import PlatformFacts, read_platform_facts

PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
TYPES = {
    "Deployment": DEPLOYMENT,
    "Service": "kubernetes:core/v1:Service",
    "HorizontalPodAutoscaler": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
}
_BARE = re.compile(r"^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*$")  # a selector that is a metric name alone

Props = Mapping[str, Any]


def _meta(props: Props) -> Props:
    return props.get("metadata") or {}


def _rules(args: StackValidationArgs, platform: PlatformFacts) -> list[Props]:
    in_stack = [
        rule
        for r in args.resources
        if r.resource_type == PROMETHEUS_RULE
        for rule in rule_selection((r.props.get("spec") or {}).get("groups") or [])
    ]
    return in_stack + list(platform.rules)


def _objects(deployment: PolicyResource, owned: list[PolicyResource]) -> Iterator[tuple[AgentObjects, str, Props]]:
    """(kind, name, labels) of the agent's objects in the stack; its pods come from the Deployment's template."""
    template = (deployment.props.get("spec") or {}).get("template") or {}
    yield PODS, f"{_meta(deployment.props).get('name')}-*", (template.get("metadata") or {}).get("labels") or {}
    for kind in KINDS:
        for r in owned:
            if r.resource_type == TYPES.get(kind.kind):
                yield kind, str(_meta(r.props).get("name")), labels(r.props)


def _selected(expr: str, metric: str, series: Mapping[str, str]) -> bool:
    return any(m == metric and matches(matchers, series) for m, matchers in selectors(expr))


def _agent_variables(args: StackValidationArgs, platform: PlatformFacts) -> list[str]:
    """The selectors of the `agent` variables of every dashboard ConfigMap in the stack or its platform."""
    found = list(platform.agent_selectors)
    for r in args.resources:
        if r.resource_type == CONFIG_MAP and labels(r.props).get(SIDECAR_LABEL) == "1":
            found += dashboard_agent_selectors(r.props.get("data") or {})
    return found


def _variable_free(matchers: list[Matcher]) -> list[Matcher]:
    """A matcher on a dashboard variable (`tenant="$tenant"`) matches whatever the user picks: drop it."""
    return [m for m in matchers if "$" not in m[2]]


def _dashboard_selects(variables: list[str], info: Mapping[str, Mapping[str, str]]) -> bool:
    for selector in variables:
        found = list(selectors(selector)) or ([(selector.strip(), [])] if _BARE.match(selector) else [])
        for metric, matchers in found:
            if metric in info and matches(_variable_free(matchers), info[metric]):
                return True
    return False


def _workload(
    objects: list[PolicyResource], packs: Mapping[tuple[str, str], PolicyResource]
) -> tuple[PolicyResource | None, PolicyResource | None]:
    """(the Deployment that runs the agent, its Service when it is a packed agent's). A packed agent's Deployment is
    its pack's, found through the pack its Service names."""
    own = next((r for r in objects if r.resource_type == DEPLOYMENT), None)
    if own is not None:
        return own, None
    service = next((r for r in objects if r.resource_type == TYPES["Service"] and pack_name(r.props)), None)
    if service is None:
        return None, None
    namespace = str(_meta(service.props).get("namespace") or "default")
    return packs.get((namespace, str(pack_name(service.props)))), service


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    platform = read_platform_facts(args)
    rules = _rules(args, platform)
    recorded = {str(r["record"]): str(r.get("expr", "")) for r in rules if r.get("record")}
    containers = _container_matchers(rules)
    variables = _agent_variables(args, platform)
    owned: dict[str, list[PolicyResource]] = {}  # agent -> its objects: one pass, not one per agent
    packs: dict[tuple[str, str], PolicyResource] = {}  # (namespace, pack) -> the pack's Deployment
    for r in args.resources:
        if (name := agent_name(r.props)) is not None:
            owned.setdefault(name, []).append(r)
        elif r.resource_type == DEPLOYMENT and (pack := pack_name(r.props)) is not None:
            packs[(str(_meta(r.props).get("namespace") or "default"), pack)] = r
    for agent, objects in owned.items():
        deployment, member = _workload(objects, packs)
        if deployment is None:
            if member is not None:
                report(f"agent {agent}: its pack {pack_name(member.props)} has no Deployment in this stack", member.urn)
            continue
        if not recorded:
            report(
                f"agent {agent} is not selected by any alert rule: no PrometheusRule in this stack"
                f"{_or_platform(platform)} records the agents' info series ({PODS.record}, ...: the rules of "
                "MonitoringStack)",
                deployment.urn,
            )
        held = objects if member is None else [*objects, deployment]
        info = _selected_objects(agent, deployment, held, recorded, report, member) if recorded else {}
        _check_containers(agent, deployment, containers, report)
        if not _dashboard_selects(variables, info):
            report(
                f"agent {agent} is not selected by any dashboard (a ConfigMap labelled {SIDECAR_LABEL}=1 "
                "whose `agent` variable lists the label_values of an info series the fleet's rules record "
                "for it)",
                deployment.urn,
            )


def _or_platform(platform: PlatformFacts) -> str:
    return f" or its platform stack {platform.stack}" if platform.stack else ""


def _selected_objects(
    agent: str,
    deployment: PolicyResource,
    owned: list[PolicyResource],
    recorded: Mapping[str, str],
    report: ReportViolation,
    member: PolicyResource | None = None,
) -> dict[str, dict[str, str]]:
    """Check each of the agent's objects is selected by its recording rule; return the info series recorded
    for the agent, by record name. `member`: a packed agent's Service, which the pod and Deployment rules must
    join to its pack's objects."""
    namespace = str(_meta(deployment.props).get("namespace") or "default")
    own_labels = labels(member.props) if member is not None else {}
    info: dict[str, dict[str, str]] = {}
    for kind, name, object_labels in _objects(deployment, owned):
        expr = recorded.get(kind.record)
        series = ksm_series_labels(kind, namespace, name, object_labels)
        packed = member is not None and kind.packs
        if expr is None:
            report(f"agent {agent}: no PrometheusRule in this stack records {kind.record}", deployment.urn)
            continue
        if not _selected(expr, kind.source, series):
            key, value = (naming.AGENT_LABEL, agent)
            if packed:
                key, value = naming.PACK_LABEL, object_labels.get(naming.PACK_LABEL, "<its pack>")
            report(
                f"agent {agent}: its {kind.kind} {name} is not selected by the fleet's rule {kind.record} "
                f"(kube-state-metrics would export {kind.source} with {dict(sorted(series.items()))}); "
                f"label it {key}={value}",
                deployment.urn,
            )
            continue
        if packed and member is not None:
            service = ksm_series_labels(SERVICES, namespace, str(_meta(member.props).get("name")), own_labels)
            if not _selected(expr, SERVICES.source, service):
                report(
                    f"agent {agent}: the fleet's rule {kind.record} does not join it to its pack's {kind.kind} "
                    f"{name}: no selector of {SERVICES.source} in it selects its Service "
                    f"({dict(sorted(service.items()))})",
                    deployment.urn,
                )
                continue
        info[kind.record] = {
            "namespace": namespace,
            kind.object_label: name,
            "agent": (own_labels or object_labels).get(naming.AGENT_LABEL, ""),
            "tenant": (own_labels or object_labels).get(naming.TENANT_LABEL, ""),
        }
    return info


def _container_matchers(rules: list[Props]) -> list[tuple[str, list[Matcher]]]:
    """(alert, its `container` matchers) of every alert that selects containers by name."""
    found = []
    for rule in rules:
        if rule.get("alert"):
            for _, matchers in selectors(str(rule.get("expr", ""))):
                if wanted := [m for m in matchers if m[0] == "container"]:
                    found.append((str(rule["alert"]), wanted))
                    break
    return found


def _check_containers(
    agent: str, deployment: PolicyResource, alerts: list[tuple[str, list[Matcher]]], report: ReportViolation
) -> None:
    """The alerts select the agent's main container by name: one of the pod's containers must match."""
    pod = ((deployment.props.get("spec") or {}).get("template") or {}).get("spec") or {}
    names = [str(c.get("name")) for c in pod.get("containers") or []]
    for alert, wanted in alerts:
        if not any(matches(wanted, {"container": n}) for n in names):
            shown = ", ".join(f"{n}{op}{v!r}" for n, op, v in wanted)
            report(
                f"agent {agent}: the fleet's alert {alert} selects containers {shown} and none of its containers "
                f"({', '.join(names)}) matches",
                deployment.urn,
            )
