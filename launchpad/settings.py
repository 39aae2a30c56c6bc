"""Stack settings: the `agent-launchpad:*` keys of `Pulumi.<stack>.yaml`, validated like agent files so a
typo in stack config fails the preview with the key named, instead of silently using a default.
Secret settings (database URL, registry password, receiver URLs) are read as Pulumi secrets by the program
and never pass through here."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from launchpad.contracts import PROJECT
from launchpad.errors import UserError

# Keys read as Pulumi secrets, never as plain settings.
SECRET_KEYS = ("databaseUrl", "registryPassword", "agentTokenKey", "apiSecretsKey")


class ShardingSettings(BaseModel):
    """A platform stack's split of its fleet into shard stacks (launchpad/stacks/assignment.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: Literal["hash", "tenant"]
    # Hash buckets; changing it moves agents between shards, so it is always set by hand.
    count: int | None = Field(default=None, ge=1, le=64)
    # Shard stacks that `shards preview|up` runs at once.
    parallel: int = Field(default=2, ge=1, le=16)

    @model_validator(mode="after")
    def _count_with_hash_only(self) -> ShardingSettings:
        if self.by == "hash" and self.count is None:
            raise ValueError("by: hash needs a shard count (count: N)")
        if self.by == "tenant" and self.count is not None:
            raise ValueError("by: tenant makes one shard per tenant; remove count")
        return self


class ServiceSecretRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    key: str = Field(min_length=1, pattern=r"^[-._a-zA-Z0-9]+$")


class ServiceSecret(BaseModel):
    """Where one secret env value of a control-plane service comes from, as for agents: a Pulumi config secret
    of this stack (the stack writes it into the service's Secret), or an existing Kubernetes Secret in the
    control plane's namespace. Exactly one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    config: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    secretKeyRef: ServiceSecretRef | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ServiceSecret:
        if (self.config is None) == (self.secretKeyRef is None):
            raise ValueError("give exactly one of `config: <pulumi config key>` or `secretKeyRef: {name, key}`")
        return self


class ServiceResources(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cpu: str = Field("250m", pattern=r"^[0-9]+(\.[0-9]+)?m?$")
    memory: str = Field("512Mi", pattern=r"^[0-9]+(Ki|Mi|Gi)$")


class ControlPlaneService(BaseModel):
    """One control-plane service's Deployment (launchpad/controlplane/)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replicas: int = Field(1, ge=1, le=20)
    requests: ServiceResources = ServiceResources()
    limits: ServiceResources = ServiceResources(cpu="1", memory="1Gi")
    # Plain settings (never a credential: those go in `secrets`, checked by launchpad/controlplane/).
    env: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, ServiceSecret] = Field(default_factory=dict)


class ApiService(ControlPlaneService):
    replicas: int = Field(2, ge=1, le=20)  # two: a rollout or a node drain never takes the API away


class DeployerService(ControlPlaneService):
    # A worker runs the engine (program, language host, provider, policy pack): more than the API needs.
    requests: ServiceResources = ServiceResources(cpu="500m", memory="1Gi")
    limits: ServiceResources = ServiceResources(cpu="2", memory="3Gi")


class RetentionDays(BaseModel):
    """How long the collector keeps each kind of row (whole days: retention drops daily partitions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: int = Field(14, ge=1, le=3650)
    logs: int = Field(7, ge=1, le=3650)
    events: int = Field(90, ge=1, le=3650)


class CollectorService(ControlPlaneService):
    """The collector (services/collector): one active instance per fleet, a standby waits for the lock."""

    requests: ServiceResources = ServiceResources(cpu="250m", memory="256Mi")
    # Prometheus' HTTP API (the monitoring stack's); no metrics are collected without it.
    prometheusUrl: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    metricsInterval: int = Field(60, ge=10, le=3600)
    retentionDays: RetentionDays = RetentionDays()
    # Per agent: a chatty agent is held to this many log lines a second on average, counted on the lines' own
    # time in windows of logBurst/logRate seconds that keep up to logBurst lines (services/collector/logs/budget.py).
    logRate: int = Field(50, ge=1, le=10_000)
    logBurst: int = Field(500, ge=1, le=100_000)


class LogShipperSettings(BaseModel):
    """The node log shipper (launchpad/logs/daemonset.py): the OpenTelemetry Collector contrib image, pinned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str = Field(pattern=r"^[a-z0-9.:/_-]+@sha256:[0-9a-f]{64}$")
    # A Secret in the shipper's namespace (launchpad-logs) holding the collector's bearer token.
    tokenSecret: ServiceSecretRef | None = None


class ControlPlaneSettings(BaseModel):
    """The self-service control plane the stack deploys (the platform stack, or the only one): the API and
    the deploy workers, from one image built from this project (launchpad/images/control_plane.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: str = Field(pattern=r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$")
    namespace: str = Field("launchpad-system", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    # The API's public host: an Ingress routes it when set; without it the API is reached in the cluster only.
    host: str | None = Field(None, pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$")
    ingressClassName: str | None = None
    tlsSecretName: str | None = Field(None, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    api: ApiService = ApiService()
    deployer: DeployerService = DeployerService()
    collector: CollectorService = CollectorService()
    # The agents' logs: a shipper on every node (unset: no logs are collected).
    logShipper: LogShipperSettings | None = None


class StackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Field names are the config keys, camelCase like Pulumi's own.
    agentsDir: str = "agents"
    # Write manifests here instead of applying them to a cluster (the dev stack). Relative to the project.
    renderDir: str | None = None
    # docker: build and push shared runtime images with pulumi-docker; skip: reference the computed tag only
    # (no Docker engine here, e.g. the dev stack), the Dockerfiles are still rendered by `launchpad render`.
    imageBuild: Literal["docker", "skip"] = "docker"
    registryUsername: str | None = None
    # Vulnerability scan gate of built images (Trivy). A stack that builds images must scan unless it says
    # so; the policy pack reports scan: false as advisory.
    scan: bool = True
    scanSeverity: Literal["CRITICAL", "HIGH", "MEDIUM", "LOW"] = "HIGH"
    scanAllowlist: str | None = None
    # A directory holding a mirrored Trivy DB (<dir>/db/trivy.db): Trivy uses it as it is and never downloads
    # (air-gapped sites, README "Scan gate"). Unset: Trivy keeps its own DB current from the internet.
    scanCacheDir: str | None = None
    monitoring: dict[str, Any] = Field(default_factory=dict)
    # Register agents in the Supabase schema (needs the `databaseUrl` secret).
    database: bool = False
    # Dev stacks only: give each agent owner a bare auth.users row, as nobody signs up on a local database.
    databaseCreateOwners: bool = False
    # Skip the Kubernetes provider's readiness waits (components/cluster_apply.py): only for a cluster without a
    # kubelet, where no Pod ever becomes ready (the `local` stack). The policy pack refuses it in prod.
    skipAwait: bool = False
    # Sharding (docs/architecture.md, "Stacks and shards"): a platform stack says how its fleet is split; a
    # shard stack's own config holds only `platform` and `shard` (and its secrets), the rest it reads from
    # the platform's stack file.
    sharding: ShardingSettings | None = None
    platform: str | None = None
    shard: str | None = None
    # The cluster's pod and service CIDRs: kept out of every agent's egress to the public internet
    # (launchpad/workloads/network.py), whatever range they are in. Private ranges are always kept out.
    clusterCidrs: list[str] = Field(default_factory=list)
    # The policy pack's config for this stack, relative to the project. The deployer (services/deployer) runs
    # every `up` and preview with it; unset means the strictest one, every policy mandatory.
    policyConfig: str = "policies/config/prod.json"
    # The self-service control plane (API, deploy workers): deployed by this stack when set.
    controlPlane: ControlPlaneSettings | None = None
    # The dashboard's dev-only sign-in (services/api/devsignin): stacks without a Supabase Auth server (dev,
    # local) let anyone who reaches the API sign in as any email, with a token minted from the stack's own
    # secret. The policy pack refuses it (control-plane-dev-sign-in) on every stack but the dev ones it names.
    devSignIn: bool = False

    @model_validator(mode="after")
    def _cidrs(self) -> StackSettings:
        for cidr in self.clusterCidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"clusterCidrs: {cidr!r} is not a CIDR such as 10.244.0.0/16") from None
        return self


class SettingsError(UserError):
    pass


def wants_database(values: Mapping[str, Any]) -> bool:
    """The `database` setting, read before the rest of the settings can be (the program reads the fleet's API
    agents from that database before it validates anything else): the same parsing as StackSettings."""
    try:
        return StackSettings.model_validate({"database": values.get("database", False)}).database
    except ValidationError:
        return False  # parse_settings reports it


def parse_settings(values: Mapping[str, Any], stack: str) -> StackSettings:
    """`values` maps bare keys (no `agent-launchpad:` prefix) to their configured values."""
    leaked = [k for k in SECRET_KEYS if k in values]
    if leaked:
        raise SettingsError(
            "\n".join(
                f"Pulumi.{stack}.yaml: {PROJECT}:{k}: must be a secret: `pulumi config set --secret {k} ...`"
                for k in leaked
            )
        )
    try:
        return StackSettings.model_validate(dict(values))
    except ValidationError as exc:
        raise settings_error(exc, stack) from None


def settings_error(exc: ValidationError, stack: str, *parents: str) -> SettingsError:
    """One line per bad key, `Pulumi.<stack>.yaml: agent-launchpad:<key.path>: message`. Never the value."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        key = ".".join([*parents, *(str(p) for p in error["loc"])])
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"Pulumi.{stack}.yaml: {PROJECT}:{key}: {message}")
    return SettingsError("\n".join(lines))
