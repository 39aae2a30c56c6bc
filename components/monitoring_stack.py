"""`agent-launchpad:index:MonitoringStack`: the fleet's alert rules, dashboards, Alertmanager routing and
health probes, and (with `monitoring.install: true`) kube-prometheus-stack itself. The objects come from
`launchpad.monitoring`; this component only registers them, as its children, so a `provider` given in
`opts` (e.g. the dev stack's render-to-directory provider) reaches every one of them.

It takes no agents: the rules, dashboards and health scrape select every agent by its labels, so its
objects are the same whatever the fleet, and it can live in a stack of its own (the platform stack of a
sharded fleet) with nothing to wait for in the agents' stacks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from launchpad.contracts import MONITORING_STACK, Manifest
from launchpad.monitoring import alertmanager, values
from launchpad.monitoring.objects import fleet_objects
from launchpad.monitoring.settings import MonitoringSettings


@dataclass
class MonitoringStackArgs:
    fleet: str  # the stack name: labels the PrometheusRule and every alert
    settings: MonitoringSettings
    # severity -> receiver URL, read from the Pulumi config secret that settings.receivers names.
    receiver_urls: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


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
    manifests: list[Manifest]  # the rules, dashboards and probes it registered, as plain data

    def __init__(self, name: str, args: MonitoringStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(MONITORING_STACK, name, None, opts)
        s = args.settings
        missing = sorted(set(s.receivers) - set(args.receiver_urls))
        if missing:
            raise ValueError(f"no receiver URL for severities {missing}: read them from their urlSecret config keys")

        child = pulumi.ResourceOptions(parent=self)
        # The CRDs (PrometheusRule, ScrapeConfig, AlertmanagerConfig) come with the chart: wait for it when installing.
        operator: list[pulumi.Resource] = []
        if s.install:
            operator = self._install(name, s, child)
        crd_opts = pulumi.ResourceOptions(parent=self, depends_on=operator)

        objects = fleet_objects(s, args.fleet)
        amc = objects.pop("alertmanager-config", None)
        for suffix, manifest in objects.items():
            if manifest["kind"] == "ConfigMap":
                _config_map(f"{name}-{suffix}", manifest, crd_opts)
            else:
                _custom(f"{name}-{suffix}", manifest, crd_opts)
        if amc is not None:
            self._alertmanager(name, args, amc, crd_opts)
        self.manifests = list(objects.values())

        rule = objects["rules"]
        names = [f"{s.namespace}/{m['metadata']['name']}" for m in objects.values() if m["kind"] == "ConfigMap"]
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

    def _alertmanager(
        self, name: str, args: MonitoringStackArgs, config: Manifest, opts: pulumi.ResourceOptions
    ) -> None:
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
            config,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[secret])),
        )
