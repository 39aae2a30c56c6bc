"""A validated, resolved fleet: what the Pulumi program and the CLI consume. Everything here is derived once
from the agent files (plugins completed from the platforms, namespaces, images), so components do no
interpretation of their own."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from launchpad import naming
from launchpad.fleet.catalog import BASE_PLUGINS, KNOWLEDGE_PLUGIN, MODEL_PROVIDERS, PLATFORMS
from launchpad.fleet.egress import Destination
from launchpad.fleet.models import PINNED_PLUGIN, AgentSpec, SecretSource
from launchpad.fleet.rules import platform_mode, single_identity_platforms
from launchpad.fleet.tenants import NamespaceLimits
from launchpad.fleet.tiers import DEFAULT_TIER, Tier
from launchpad.images.build import ImageBuild
from launchpad.source.yaml_source import Loc


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
    # Where the agent connects beside DNS and the model APIs: (field, destination, file, line) of each endpoint
    # its file declares (ollama's model.endpoint, database:), checked by launchpad/fleet/egress.py.
    endpoints: tuple[tuple[str, Destination, str, int], ...] = ()
    # What makes this agent a new one even under an old name, beside its owner: "" for an agent file; an API
    # agent's registry row id (a row deleted and created again is another agent). Its API token changes with
    # it (launchpad/workloads/auth_token.py).
    incarnation: str = ""
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

    @property
    def character_json(self) -> str:
        """The character as its ConfigMap holds it (indented, sorted keys: stable diffs)."""
        return json.dumps(self.character, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def secret_sources(self) -> dict[str, SecretSource]:
        return dict(self.spec.secrets)


@dataclass(frozen=True)
class Pack:
    """Several agents of one tenant in one elizaOS server: one Deployment of one replica whose process loads each
    agent's character (launchpad/fleet/packing.py says who is packed and where; launchpad/workloads/pack_objects.py
    what it runs). Each agent keeps its own character, secrets, Service, registry row and monitoring series."""

    name: str  # the Deployment's name, in the tenant's namespace (packing.pack_name)
    namespace: str
    tenant: str
    group: str  # digest of what its agents share (packing.group_key): agents of one group pack together
    agents: tuple[Agent, ...]  # by name
    tier: Tier
    image_ref: str
    image_build: ImageBuild | None
    database: SecretSource | None  # the POSTGRES_URL its agents share, or None: the pod's own PGlite
    env: dict[str, str]  # the server-wide env its agents agree on (catalog.is_process_env)
    memory_request: str  # quantities, from the measured base and increment per agent (packing.pack_memory)
    memory_limit: str
    cpu_request: str  # the largest of its agents'
    cpu_limit: str
    # The largest of its agents': its emptyDirs are one server's (one PGlite, one HOME), sized as an agent's.
    ephemeral_request: str
    ephemeral_limit: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.agents)

    @property
    def requests(self) -> dict[str, str]:
        """Its container's requests, as Kubernetes names them."""
        return {"cpu": self.cpu_request, "memory": self.memory_request, "ephemeral-storage": self.ephemeral_request}

    @property
    def limits(self) -> dict[str, str]:
        return {"cpu": self.cpu_limit, "memory": self.memory_limit, "ephemeral-storage": self.ephemeral_limit}

    @property
    def single_identity(self) -> bool:
        return any(a.single_identity for a in self.agents)

    @property
    def plugins(self) -> tuple[str, ...]:
        return self.agents[0].plugins  # one plugin set per pack (its group)

    @property
    def runtime_version(self) -> str:
        return self.agents[0].runtime_version


@dataclass(frozen=True)
class Fleet:
    agents: tuple[Agent, ...]
    registry: str | None
    files: tuple[str, ...] = field(default=())
    # Namespace -> its quota and LimitRange (launchpad.fleet.tenants); empty without a `tenants:` section.
    tenant_limits: dict[str, NamespaceLimits] = field(default_factory=dict)
    # Agents that share elizaOS servers (the `packing:` section of the defaults file), by pack name; empty without.
    packs: tuple[Pack, ...] = field(default=())
    # Agent -> why it is not packed although its tenant packs (scaled, a tier that is not packed, ...).
    unpacked: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _pack_by_agent(self) -> dict[str, Pack]:
        return {agent.name: pack for pack in self.packs for agent in pack.agents}

    def pack_of(self, agent: str) -> Pack | None:
        """The pack that runs `agent`, or None when it has a server (a Deployment) of its own."""
        return self._pack_by_agent.get(agent)

    def images(self) -> dict[str, ImageBuild]:
        """Distinct images to build, by reference: agents with the same runtime and plugins share one."""
        return {a.image_build.ref: a.image_build for a in self.agents if a.image_build is not None}

    def namespaces(self) -> dict[str, str | None]:
        """Namespace -> tenant (None for an agent's own namespace)."""
        return {a.namespace: a.spec.tenant for a in self.agents}

    def summary(self) -> str:
        tenants = {a.spec.tenant for a in self.agents if a.spec.tenant}
        packed = (f", {len(self._pack_by_agent)} agent(s) in {len(self.packs)} pack(s)") if self.packs else ""
        api = sum(1 for a in self.agents if a.source == "api")
        sources = f"{len(self.files)} file(s)" + (f" and {api} from the API" if api else "")
        return (
            f"{len(self.agents)} agent(s) valid in {sources}: "
            f"{len(self.namespaces())} namespace(s), {len(tenants)} tenant(s), {len(self.images())} image(s) to build"
            f"{packed}"
        )


def resolve_plugins(spec: AgentSpec, knowledge: bool = False) -> tuple[str, ...]:
    """Base plugins, the model provider's, the embeddings provider's, each platform's (added if missing),
    plugin-knowledge when the character has knowledge, then the agent's own. An agent's own pin of a catalog
    plugin wins, at the catalog position. Order matters: elizaOS 1.7 uses the first plugin that registered a
    model type (core `registerModel`: same priority, earlier registration first), so the text provider comes
    before the one added for embeddings."""
    own = {m["name"]: p for p in spec.plugins if (m := PINNED_PLUGIN.fullmatch(p))}
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
    resolved += [p for p in spec.plugins if (m := PINNED_PLUGIN.fullmatch(p)) and m["name"] in own]
    return tuple(dict.fromkeys(resolved))


def plugin_origins(spec: AgentSpec, knowledge: Loc | None = None) -> dict[str, Loc]:
    """Where in the agent file each of its resolved plugins comes from (resolve_plugins' order): the model
    provider's from `model.provider`, a platform's from `platforms.<platform>`, plugin-knowledge from `knowledge`
    (where the character's knowledge is written, None without), the agent's own from `plugins[i]`, which also
    wins for a catalog plugin it pins. The base plugins of every agent come from nowhere in the file."""
    own = {m["name"]: (p, ("plugins", i)) for i, p in enumerate(spec.plugins) if (m := PINNED_PLUGIN.fullmatch(p))}
    catalog: list[tuple[str, Loc]] = [(p, ()) for p in BASE_PLUGINS]
    catalog.append((MODEL_PROVIDERS[spec.model.provider].plugin, ("model", "provider")))
    if spec.model.embeddings is not None:
        catalog.append((MODEL_PROVIDERS[spec.model.embeddings].plugin, ("model", "embeddings")))
    catalog += [(info.plugin, ("platforms", p)) for p in spec.platforms if (info := PLATFORMS[p]).plugin]
    if knowledge is not None:
        catalog.append((KNOWLEDGE_PLUGIN, knowledge))
    origins: dict[str, Loc] = {}
    for plugin, loc in catalog:
        pinned, source = own.pop(plugin.rpartition("@")[0], (plugin, loc))
        if source:  # () for a base plugin the agent does not pin
            origins.setdefault(pinned, source)
    for pinned, loc in own.values():
        origins.setdefault(pinned, loc)
    return origins


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
