"""A validated, resolved fleet: what the Pulumi program and the CLI consume. Everything here is derived once
from the agent files (plugins completed from the platforms, namespaces, images), so components do no
interpretation of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from launchpad import naming
from launchpad.fleet.catalog import BASE_PLUGINS, KNOWLEDGE_PLUGIN, MODEL_PROVIDERS, PLATFORMS
from launchpad.fleet.models import PINNED_PLUGIN, AgentSpec, SecretSource
from launchpad.fleet.rules import platform_mode, single_identity_platforms
from launchpad.fleet.tenants import NamespaceLimits
from launchpad.fleet.tiers import DEFAULT_TIER, Tier
from launchpad.images.build import ImageBuild


@dataclass(frozen=True)
class ConfigSecretUse:
    """A Pulumi config secret an agent reads, and where the agent file asks for it (for error messages)."""

    key: str
    env_name: str
    file: str
    line: int


@dataclass(frozen=True)
class Agent:
    spec: AgentSpec
    file: str  # the agent file, as shown in messages
    name_line: int
    character: dict[str, Any]  # the JSON mounted into the container
    plugins: tuple[str, ...]  # pinned npm specs, resolved (base, model, platforms, then the agent's own)
    platforms: dict[str, str]  # platform -> mode
    single_identity: bool
    image_ref: str
    image_build: ImageBuild | None
    config_secrets: tuple[ConfigSecretUse, ...]
    notes: tuple[str, ...] = ()  # what loading did that the user should know (a v0 character converted)
    # Where the agent comes from: an agent file in git, or the control-plane API (its row in the database,
    # launchpad/fleet/api_source.py); `file` is then `api:<name>`.
    source: Literal["git", "api"] = "git"
    paused: bool = False  # api agents: runs no pod (replicas 0), keeps its Secret and everything else
    restarted_at: str | None = None  # api agents: a restart asked through the API (rolls the pods)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def namespace(self) -> str:
        return naming.namespace_for(self.spec.name, self.spec.tenant)

    @property
    def tier(self) -> Tier:
        return self.spec.tier or DEFAULT_TIER

    @property
    def runtime_version(self) -> str:
        build = self.spec.image.build if self.spec.image else None
        return build.runtime if build else "prebuilt"

    def secret_sources(self) -> dict[str, SecretSource]:
        return dict(self.spec.secrets)


@dataclass(frozen=True)
class Fleet:
    agents: tuple[Agent, ...]
    registry: str | None
    files: tuple[str, ...] = field(default=())
    # Namespace -> its quota and LimitRange (launchpad.fleet.tenants); empty without a `tenants:` section.
    tenant_limits: dict[str, NamespaceLimits] = field(default_factory=dict)

    def images(self) -> dict[str, ImageBuild]:
        """Distinct images to build, by reference: agents with the same runtime and plugins share one."""
        return {a.image_build.ref: a.image_build for a in self.agents if a.image_build is not None}

    def namespaces(self) -> dict[str, str | None]:
        """Namespace -> tenant (None for an agent's own namespace)."""
        return {a.namespace: a.spec.tenant for a in self.agents}

    def summary(self) -> str:
        tenants = {a.spec.tenant for a in self.agents if a.spec.tenant}
        api = sum(1 for a in self.agents if a.source == "api")
        sources = f"{len(self.files)} file(s)" + (f" and {api} from the API" if api else "")
        return (
            f"{len(self.agents)} agent(s) valid in {sources}: "
            f"{len(self.namespaces())} namespace(s), {len(tenants)} tenant(s), {len(self.images())} image(s) to build"
        )


def resolve_plugins(spec: AgentSpec, knowledge: bool = False) -> tuple[str, ...]:
    """Base plugins, the model provider's, the embeddings provider's, each platform's (added if missing),
    plugin-knowledge when the character has knowledge, then the agent's own. An agent's own pin of a catalog
    plugin wins, at the catalog position. Order matters: elizaOS 1.7 uses the first plugin that registered a
    model type (core `registerModel`: same priority, earlier registration first), so the text provider comes
    before the one added for embeddings."""
    own = {m["name"]: p for p in spec.plugins if (m := PINNED_PLUGIN.match(p))}
    required = [*BASE_PLUGINS, MODEL_PROVIDERS[spec.model.provider].plugin]
    if spec.model.embeddings is not None:
        required.append(MODEL_PROVIDERS[spec.model.embeddings].plugin)
    required += [info.plugin for p in spec.platforms if (info := PLATFORMS[p]).plugin]
    if knowledge:
        required.append(KNOWLEDGE_PLUGIN)
    resolved: list[str] = []
    for plugin in required:
        name = plugin.rpartition("@")[0]
        resolved.append(own.pop(name, plugin))
    resolved += [p for p in spec.plugins if (m := PINNED_PLUGIN.match(p)) and m["name"] in own]
    return tuple(dict.fromkeys(resolved))


def plugin_names(plugins: tuple[str, ...]) -> list[str]:
    return [p.rpartition("@")[0] for p in plugins]


def build_character(base: dict[str, Any], plugins: tuple[str, ...], spec: AgentSpec) -> dict[str, Any]:
    """The character JSON the runtime loads: the agent's character, with the resolved plugin list (elizaOS
    loads the plugins a character names). Never any secret; the model is chosen by env (workloads/pod.py)."""
    character = dict(base)
    character["plugins"] = plugin_names(plugins)
    return character


def platform_modes(spec: AgentSpec) -> dict[str, str]:
    return {p: platform_mode(spec, p) for p in spec.platforms}


def is_single_identity(spec: AgentSpec) -> bool:
    return bool(single_identity_platforms(spec))
