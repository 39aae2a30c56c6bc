"""The `agent-launchpad:monitoring` stack setting, validated like the rest of stack config so a typo fails
the preview with the key named. Receiver URLs are secrets: settings only name the Pulumi config secret key
that holds each one (`urlSecret`); the program reads it with `get_secret` and the component stores it in a
Kubernetes Secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from launchpad import naming
from launchpad.monitoring.severity import Severity
from launchpad.settings import settings_error

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_CONFIG_KEY = r"^[A-Za-z][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Receiver(_Strict):
    type: Literal["webhook", "slack"] = "webhook"
    # Pulumi config secret key holding the webhook URL (or the Slack incoming-webhook URL).
    urlSecret: str = Field(pattern=_CONFIG_KEY)
    channel: str | None = None  # Slack only
    sendResolved: bool = True
    repeatInterval: str = Field("4h", pattern=r"^[0-9]+[smh]$")

    @model_validator(mode="after")
    def _channel_is_slack_only(self) -> Receiver:
        if self.channel is not None and self.type != "slack":
            raise ValueError("channel is only for type: slack")
        return self


class Blackbox(_Strict):
    enabled: bool = False
    # host:port of the blackbox exporter's service. It must run in the `monitoring` namespace: the agents'
    # NetworkPolicy admits HTTP from there only.
    proberUrl: str = "prometheus-blackbox-exporter.monitoring.svc:9115"
    module: str = "http_2xx"
    interval: str = Field("30s", pattern=r"^[0-9]+[smh]$")
    # With install: true, also install the prometheus-blackbox-exporter chart at this version.
    chartVersion: str | None = None


class MonitoringSettings(_Strict):
    install: bool = False
    # kube-prometheus-stack chart version; pinned, because a chart upgrade changes CRDs and alerting defaults.
    chartVersion: str | None = None
    namespace: str = Field(naming.MONITORING_NAMESPACE, pattern=_DNS_LABEL)
    # Helm release name; also the `release` label an existing operator (install: false) usually selects on.
    release: str = Field("kube-prometheus-stack", pattern=_DNS_LABEL)
    receivers: dict[Severity, Receiver] = Field(default_factory=dict)
    blackbox: Blackbox = Blackbox()
    # Extra labels on the PrometheusRule and the health ScrapeConfig, for an existing Prometheus whose selectors
    # need them.
    ruleLabels: dict[str, str] = Field(default_factory=dict)
    # Restarting agent pods (in 15 minutes) that make AgentRestartStorm fire; default: a third of the fleet, >= 3.
    restartStormPods: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _versions_pinned(self) -> MonitoringSettings:
        if self.install and not self.chartVersion:
            raise ValueError("install: true needs chartVersion (the kube-prometheus-stack chart version to pin)")
        return self

    def secret_keys(self) -> dict[str, str]:
        """severity -> Pulumi config secret key of its receiver URL."""
        return {severity: r.urlSecret for severity, r in self.receivers.items()}


def parse_monitoring(values: Mapping[str, Any], stack: str) -> MonitoringSettings:
    """`values` is the `agent-launchpad:monitoring` object. Raises SettingsError naming each bad key."""
    try:
        return MonitoringSettings.model_validate(dict(values))
    except ValidationError as exc:
        raise settings_error(exc, stack, "monitoring") from None
