"""Stack settings: the `agent-launchpad:*` keys of `Pulumi.<stack>.yaml`, validated like agent files so a
typo in stack config fails the preview with the key named, instead of silently using a default.
Secret settings (database URL, registry password, receiver URLs) are read as Pulumi secrets by the program
and never pass through here."""

from __future__ import annotations

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
