"""Pydantic v2 models of an agent file (`agents/<name>.yaml`) and of the fleet defaults file.

Unknown keys are rejected everywhere (a typo such as `maxReplica` must not silently fall back to a default).
Field names follow the YAML (camelCase). Cross-field and domain rules live in `rules.py`, where they can
name the file and line of each problem; these models check shape and single values only."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema

from launchpad.character.schema import CharacterFields
from launchpad.fleet.catalog import BASE_IMAGE, BUN_VERSION, MODEL_PROVIDERS, PLATFORMS, RUNTIME_VERSION
from launchpad.fleet.quantity import parse_quantity
from launchpad.fleet.tiers import Tier

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
ENDPOINT = re.compile(r"^https?://[^/\s:@]+(:\d+)?(/\S*)?$")
# npm package, optionally scoped, pinned to an exact semver: ranges (^1.2, ~1, latest) would float.
PINNED_PLUGIN = re.compile(
    r"^(?P<name>(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*)@(?P<version>\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$"
)
LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
NAME_MAX = 40  # leaves room for prefixes and suffixes (agent-<name>, <name>-character) within 63


def _dns_label(value: str) -> str:
    if len(value) > NAME_MAX or not DNS_LABEL.match(value):
        raise ValueError(
            f"must be a DNS-1123 label of at most {NAME_MAX} characters: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit (it becomes Kubernetes names)"
        )
    return value


def _quantity(value: str) -> str:
    parse_quantity(value)
    return value


def _pinned_plugin(value: str) -> str:
    if not PINNED_PLUGIN.match(value):
        raise ValueError(
            "must be an npm package pinned to an exact version, e.g. '@elizaos/plugin-discord@1.3.8' "
            "(ranges and tags such as ^1.3, latest float and are refused)"
        )
    return value


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError("must be an environment variable name: letters, digits and '_', not starting with a digit")
    return value


def _env_value(value: Any) -> Any:
    # YAML turns `true`, `3` and `0.5` into non-strings; the container env is text, so accept scalars as text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _owner(value: Any) -> Any:
    try:
        return UUID(str(value))
    except ValueError:
        raise ValueError(
            "must be the owning Supabase user's id, a UUID such as 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21"
        ) from None


def _secret_source(value: Any) -> Any:
    if isinstance(value, str):
        # Never echo the value: this is exactly where someone pastes a token.
        raise ValueError(
            "secret values never live in agent files: give `{config: <pulumi config key>}` or "
            "`{secretKeyRef: {name, key}}` (value not shown)"
        )
    return value


def _endpoint(value: str) -> str:
    if not ENDPOINT.match(value):
        raise ValueError("must be an http(s) URL without credentials, e.g. http://ollama.models.svc:11434/api")
    return value


def _label_key(value: str) -> str:
    if not LABEL_KEY.match(value):
        raise ValueError("must be a Kubernetes label key (optional DNS prefix, '/', name of at most 63 characters)")
    return value


def _label_value(value: str) -> str:
    if not LABEL_VALUE.match(value):
        raise ValueError("must be a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'")
    return value


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
Quantity = Annotated[str, AfterValidator(_quantity)]
PluginSpec = Annotated[str, AfterValidator(_pinned_plugin)]
EnvName = Annotated[str, AfterValidator(_env_name)]
EnvValue = Annotated[str, BeforeValidator(_env_value)]
LabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, BeforeValidator(_env_value), AfterValidator(_label_value)]
PlatformName = Literal["discord", "telegram", "twitter", "web"]
ProviderName = Literal["openai", "anthropic", "openrouter", "groq", "google", "ollama"]

assert set(PlatformName.__args__) == set(PLATFORMS)  # type: ignore[attr-defined]  # catalog and schema agree
assert set(ProviderName.__args__) == set(MODEL_PROVIDERS)  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class PlatformSettings(Strict):
    mode: str | None = None  # checked against the platform's modes in rules.py


class ModelSpec(Strict):
    """The model plugin and what it runs: `name` sets both the small and the large model, `small`/`large` one
    each (the plugin's <PROVIDER>_SMALL_MODEL / _LARGE_MODEL env). `embeddings` adds a second provider for
    TEXT_EMBEDDING where the first has none (anthropic, groq); `endpoint` is ollama's server."""

    provider: ProviderName
    name: str | None = Field(None, min_length=1)  # e.g. gpt-4o-mini
    small: str | None = Field(None, min_length=1)
    large: str | None = Field(None, min_length=1)
    embeddings: ProviderName | None = None
    endpoint: Annotated[str, AfterValidator(_endpoint)] | None = None


class ResourceAmounts(Strict):
    cpu: Quantity | None = None
    memory: Quantity | None = None


class Resources(Strict):
    # Optional here so the defaults file can give part of them; rules.py requires all four after merging.
    requests: ResourceAmounts = ResourceAmounts()
    limits: ResourceAmounts = ResourceAmounts()


class Scaling(Strict):
    min_replicas: int = Field(1, ge=1, le=100)
    max_replicas: int = Field(1, ge=1, le=100)
    target_cpu: int | None = Field(None, ge=1, le=100, alias="targetCPU")
    target_memory: int | None = Field(None, ge=1, le=100)


class SecretKeyRef(Strict):
    name: DnsLabel
    key: str = Field(min_length=1, pattern=r"^[-._a-zA-Z0-9]+$")


class SecretSource(Strict):
    """Where a secret env value comes from: a Pulumi config secret of this stack, or a Kubernetes Secret that
    already exists in the agent's namespace. Exactly one."""

    # (A third source, not in the file schema: `stored: true`, the value an API agent's owner posted, kept
    # sealed by the control plane: launchpad/sealed.py, launchpad/fleet/api_source.py.)

    config: str | None = Field(None, pattern=CONFIG_KEY.pattern)
    secret_key_ref: SecretKeyRef | None = None
    # Not in the agent file's JSON Schema (agents/agent.schema.json): files may not use it (api_source.py).
    stored: SkipJsonSchema[Literal[True] | None] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretSource:
        if [self.config, self.secret_key_ref, self.stored].count(None) != 2:
            raise ValueError("give exactly one of `config: <pulumi config key>` or `secretKeyRef: {name, key}`")
        return self

    @property
    def in_own_secret(self) -> bool:
        """Whether the agent's own Secret holds the value (config and stored values), not an existing one."""
        return self.config is not None or self.stored is not None


class BuildSpec(Strict):
    runtime: str = Field(RUNTIME_VERSION, pattern=r"^\d+\.\d+\.\d+$")
    base_image: str = Field(BASE_IMAGE, min_length=1)
    bun_version: str = Field(BUN_VERSION, pattern=r"^\d+\.\d+\.\d+$")


class ImageSpec(Strict):
    ref: str | None = None
    build: BuildSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ImageSpec:
        if (self.ref is None) == (self.build is None):
            raise ValueError("give exactly one of `ref: <pinned image>` or `build: {...}`")
        return self


class AgentSpec(Strict):
    name: DnsLabel
    description: str = ""
    owner: Annotated[UUID, BeforeValidator(_owner)]
    tenant: DnsLabel | None = None
    character: CharacterFields | None = None
    character_file: str | None = None
    plugins: list[PluginSpec] = []
    platforms: dict[PlatformName, PlatformSettings | None] = {}
    model: ModelSpec
    resources: Resources = Resources()
    scaling: Scaling = Scaling()
    env: dict[EnvName, EnvValue] = {}
    secrets: dict[EnvName, Annotated[SecretSource, BeforeValidator(_secret_source)]] = {}
    image: ImageSpec | None = None
    labels: dict[LabelKey, LabelValue] = {}
    tier: Tier | None = None  # its PriorityClass (launchpad.fleet.tiers); default from defaults.yaml, else standard


class QuotaSpec(Strict):
    """A tenant namespace's ResourceQuota: the total its agents may request and be limited to, and pods."""

    requests: ResourceAmounts = ResourceAmounts()
    limits: ResourceAmounts = ResourceAmounts()
    pods: int | None = Field(None, ge=1)


class LimitRangeSpec(Strict):
    """A tenant namespace's LimitRange, per container: defaults for containers that set none, and bounds."""

    default: ResourceAmounts = ResourceAmounts()  # limits
    default_request: ResourceAmounts = ResourceAmounts()
    min: ResourceAmounts = ResourceAmounts()
    max: ResourceAmounts = ResourceAmounts()


class TenantPolicy(Strict):
    quota: QuotaSpec | None = None
    limit_range: LimitRangeSpec | None = None


class TenantsSpec(Strict):
    """`tenants:` in the defaults file: `defaults` for every agent namespace, `overrides` per tenant (merged
    over the defaults key by key). Rules in launchpad/fleet/tenants.py."""

    defaults: TenantPolicy = TenantPolicy()
    overrides: dict[DnsLabel, TenantPolicy] = {}


class FleetDefaults(Strict):
    """`agents/defaults.yaml`: merged under every agent (the agent's own values win)."""

    resources: Resources | None = None
    image: ImageSpec | None = None
    labels: dict[LabelKey, LabelValue] = {}
    registry: str | None = Field(None, pattern=r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$")
    scaling: Scaling | None = None
    tier: Tier | None = None
    tenants: TenantsSpec | None = None
