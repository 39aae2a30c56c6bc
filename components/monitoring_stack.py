"""`agent-launchpad:index:MonitoringStack`: the fleet's alert rules, dashboards, Alertmanager routing and
health probes, and (with `monitoring.install: true`) kube-prometheus-stack itself. The objects come from
`launchpad.monitoring`; this component only registers them, as its children, so a `provider` given in
`opts` (e.g. the dev stack's render-to-directory provider) reaches every one of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from launchpad.monitoring import alertmanager, dashboards, probes, rules, values
from launchpad.monitoring.model import MonitoredAgent
from launchpad.monitoring.settings import MonitoringSettings

Manifest = dict[str, Any]


@dataclass
class MonitoringStackArgs:
    agents: Sequence[MonitoredAgent]
    fleet: str  # the stack name: labels the PrometheusRule and every alert
    settings: MonitoringSettings
    # severity -> receiver URL, read from the Pulumi config secret that settings.receivers names.
    receiver_urls: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Agent name -> what that agent's objects (dashboard, probe) must wait for: its namespace. Per agent,
    # not the whole fleet: a dependency on every ElizaAgent would give each object an edge to every
    # resource of the fleet, which grows with the square of its size.
    agent_dependencies: Mapping[str, Sequence[pulumi.Resource]] = field(default_factory=dict)


def _custom(name: str, manifest: Manifest, opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        name,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=manifest["metadata"],
        spec=manifest["spec"],
        opts=opts,
    )


def _config_map(name: str, manifest: Manifest, opts: pulumi.ResourceOptions) -> k8s.core.v1.ConfigMap:
    return k8s.core.v1.ConfigMap(name, metadata=manifest["metadata"], data=manifest["data"], opts=opts)


class MonitoringStack(pulumi.ComponentResource):
    prometheus_rule: pulumi.Output[str]
    dashboards: pulumi.Output[list[str]]

    def __init__(self, name: str, args: MonitoringStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("agent-launchpad:index:MonitoringStack", name, None, opts)
        s = args.settings
        missing = sorted(set(s.receivers) - set(args.receiver_urls))
        if missing:
            raise ValueError(f"no receiver URL for severities {missing}: read them from their urlSecret config keys")

        child = pulumi.ResourceOptions(parent=self)
        # The CRDs (PrometheusRule, Probe, AlertmanagerConfig) come with the chart: wait for it when installing.
        operator: list[pulumi.Resource] = []
        if s.install:
            operator = self._install(name, s, child)
        crd_opts = pulumi.ResourceOptions(parent=self, depends_on=operator)

        rule = rules.prometheus_rule(
            args.agents, args.fleet, s.namespace, s.ruleLabels, s.restartStormPods, health_probes=s.blackbox.enabled
        )
        _custom(f"{name}-rules", rule, crd_opts)

        names = []
        fleet_cm = dashboards.fleet_config_map(args.agents, args.fleet, s.namespace)
        _config_map(f"{name}-fleet-dashboard", fleet_cm, crd_opts)
        names.append(fleet_cm["metadata"]["name"])
        for agent in args.agents:
            agent_opts = pulumi.ResourceOptions(
                parent=self, depends_on=[*operator, *args.agent_dependencies.get(agent.name, ())]
            )
            cm = dashboards.agent_config_map(agent, args.fleet)
            _config_map(f"{name}-{agent.name}-dashboard", cm, agent_opts)
            names.append(f"{agent.namespace}/{cm['metadata']['name']}")
            if s.blackbox.enabled:
                _custom(f"{name}-{agent.name}-health", probes.probe(agent, s, args.fleet), agent_opts)

        if s.receivers:
            self._alertmanager(name, args, crd_opts)

        self.prometheus_rule = pulumi.Output.from_input(f"{s.namespace}/{rule['metadata']['name']}")
        self.dashboards = pulumi.Output.from_input(names)
        self.register_outputs({"prometheusRule": self.prometheus_rule, "dashboards": self.dashboards})

    def _install(self, name: str, s: MonitoringSettings, child: pulumi.ResourceOptions) -> list[pulumi.Resource]:
        namespace = k8s.core.v1.Namespace(f"{name}-namespace", metadata={"name": s.namespace}, opts=child)
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        installed: list[pulumi.Resource] = [
            k8s.helm.v4.Chart(
                f"{name}-kube-prometheus-stack",
                chart="kube-prometheus-stack",
                name=s.release,
                version=s.chartVersion,
                namespace=s.namespace,
                repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=values.PROMETHEUS_COMMUNITY),
                values=values.kube_prometheus_stack(s),
                opts=in_ns,
            )
        ]
        if s.blackbox.enabled and s.blackbox.chartVersion:
            installed.append(
                k8s.helm.v4.Chart(
                    f"{name}-blackbox-exporter",
                    chart="prometheus-blackbox-exporter",
                    version=s.blackbox.chartVersion,
                    namespace=s.namespace,
                    repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=values.PROMETHEUS_COMMUNITY),
                    values=values.blackbox_exporter(s),
                    opts=in_ns,
                )
            )
        return installed

    def _alertmanager(self, name: str, args: MonitoringStackArgs, opts: pulumi.ResourceOptions) -> None:
        s = args.settings
        # The URLs stay Pulumi secrets end to end: encrypted in state, stored only in this Secret.
        urls: dict[str, pulumi.Output[str]] = {
            severity: pulumi.Output.secret(args.receiver_urls[severity]) for severity in s.receivers
        }
        secret = k8s.core.v1.Secret(
            f"{name}-alert-receivers",
            metadata=k8s.meta.v1.ObjectMetaArgs(**alertmanager.secret_metadata(s, args.fleet)),
            type="Opaque",
            string_data=urls,
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=["stringData", "data"])
            ),
        )
        _custom(
            f"{name}-alertmanager-config",
            alertmanager.alertmanager_config(s, args.fleet),
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[secret])),
        )
