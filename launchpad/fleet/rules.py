"""Domain rules of an agent, checked after its shape is valid. Each returns problems with a fix suggestion;
none stops at the first problem, so `validate` reports everything at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from launchpad.credentials import credential_kind, is_credential_name
from launchpad.errors import Problem, field_path
from launchpad.fleet.catalog import (
    CONTAINER_LOG_BYTES,
    EMPTY_DIR_SIZE_LIMITS,
    EPHEMERAL_LIMIT_FLOOR_BYTES,
    EPHEMERAL_REQUEST_FLOOR_BYTES,
    INERT_ENV,
    MEASURED_EPHEMERAL_MIN_BYTES,
    MEASURED_PEAK_BYTES,
    MEASURED_STEADY_MIN_BYTES,
    MEMORY_LIMIT_FLOOR_BYTES,
    MEMORY_REQUEST_FLOOR_BYTES,
    MODEL_PROVIDERS,
    PLATFORMS,
    RESERVED_ENV,
    model_env_names,
)
from launchpad.fleet.models import PINNED_PLUGIN, RESOURCES, AgentSpec
from launchpad.fleet.provenance import Provenance
from launchpad.fleet.quantity import format_bytes, parse_quantity
from launchpad.source.yaml_source import Loc

Report = Callable[[Loc, str], None]
RESERVED_LABEL_PREFIXES = ("app.kubernetes.io/", "launchpad.dev/")
_IMAGE_DIGEST = re.compile(r"@sha256:[a-f0-9]{64}\Z")
MODEL_ENV = model_env_names()


def platform_mode(spec: AgentSpec, platform: str) -> str:
    settings = spec.platforms.get(platform)  # type: ignore[call-overload]
    return (settings.mode if settings else None) or PLATFORMS[platform].modes[0]


def required_secrets(spec: AgentSpec) -> list[tuple[Loc, str, tuple[str, ...]]]:
    """(where it is required, by what, env names) for the model provider and every platform."""
    needs: list[tuple[Loc, str, tuple[str, ...]]] = []
    provider = MODEL_PROVIDERS[spec.model.provider]
    if provider.secrets:
        needs.append((("model", "provider"), f"model provider {spec.model.provider}", provider.secrets))
    embeddings = spec.model.embeddings
    if embeddings is not None and embeddings != spec.model.provider and (names := MODEL_PROVIDERS[embeddings].secrets):
        needs.append((("model", "embeddings"), f"embeddings provider {embeddings}", names))
    for platform in spec.platforms:
        if PLATFORMS[platform].secrets:
            needs.append((("platforms", platform), f"platform {platform}", PLATFORMS[platform].secrets))
    return needs


def check_character(spec: AgentSpec, report: Report) -> None:
    if spec.character is None and spec.character_file is None:
        report((), "give the agent a `character:` (inline) or a `characterFile:` (path to an elizaOS JSON)")
    if spec.character is not None and spec.character_file is not None:
        report(("characterFile",), "give either `character:` or `characterFile:`, not both")


def check_plugins(spec: AgentSpec, report: Report) -> None:
    first_index: dict[str, int] = {}
    for index, plugin in enumerate(spec.plugins):
        match = PINNED_PLUGIN.fullmatch(plugin)
        if not match:
            continue  # shape error reported by the model
        name = match["name"]
        if name in first_index:
            report(("plugins", index), f"{name} is listed twice (also plugins[{first_index[name]}]); keep one version")
        else:
            first_index[name] = index


def check_platforms(spec: AgentSpec, report: Report) -> None:
    for platform, settings in spec.platforms.items():
        modes = PLATFORMS[platform].modes
        if settings and settings.mode is not None and settings.mode not in modes:
            why = PLATFORMS[platform].unsupported_modes.get(settings.mode)
            report(
                ("platforms", platform, "mode"),
                f"{platform} has no mode {settings.mode!r}{f' ({why})' if why else ''}; "
                f"choose one of: {', '.join(modes)}",
            )
    for loc, what, names in required_secrets(spec):
        missing = [name for name in names if name not in spec.secrets]
        if missing:
            example = ", ".join(f"{n}: {{config: <key>}}" for n in missing)
            report(
                loc,
                f"{what} needs secret(s) {', '.join(missing)}; add under `secrets:` {example} "
                "and set them with `pulumi config set --secret <key>`",
            )


def single_identity_platforms(spec: AgentSpec) -> list[str]:
    """Platforms whose mode allows one replica per bot identity."""
    return [p for p in spec.platforms if platform_mode(spec, p) in PLATFORMS[p].single_identity_modes]


def check_scaling(spec: AgentSpec, report: Report) -> None:
    scaling = spec.scaling
    if scaling.max_replicas < scaling.min_replicas:
        report(
            ("scaling", "maxReplicas"),
            f"maxReplicas ({scaling.max_replicas}) is below minReplicas ({scaling.min_replicas})",
        )
    if scaling.max_replicas > 1:
        for platform in single_identity_platforms(spec):
            info = PLATFORMS[platform]
            alternatives = [m for m in info.modes if m not in info.single_identity_modes]
            fix = f", or set platforms.{platform}.mode: {alternatives[0]}" if alternatives else ""
            report(
                ("scaling", "maxReplicas"),
                f"{platform} in {platform_mode(spec, platform)} mode allows one replica per bot identity "
                f"({info.why_single}); set scaling.maxReplicas: 1{fix}",
            )
    if scaling.max_replicas > scaling.min_replicas and scaling.target_cpu is None and scaling.target_memory is None:
        report(("scaling",), "autoscaling (maxReplicas > minReplicas) needs targetCPU or targetMemory")
    if scaling.max_replicas > 1 and "POSTGRES_URL" not in spec.secrets:
        report(
            ("scaling", "maxReplicas"),
            "more than one replica needs a shared database: each pod would keep its own PGlite and its own "
            "in-process message bus (elizaOS server 1.7.2), so replicas would not see each other's state; add "
            "`secrets: {POSTGRES_URL: {config: <key>}}` (the Service keeps each client on one pod)",
        )


def check_model(spec: AgentSpec, report: Report) -> None:
    model = spec.model
    if model.provider == "ollama" and model.endpoint is None:
        report(
            ("model", "provider"),
            "plugin-ollama needs its server's URL (OLLAMA_API_ENDPOINT; its default http://localhost:11434/api "
            "points inside the agent's pod): set model.endpoint, e.g. http://ollama.models.svc:11434/api",
        )
    if model.endpoint is not None and model.provider != "ollama":
        report(("model", "endpoint"), f"model.endpoint is ollama's server URL; {model.provider} does not read it")
    if model.embeddings is not None and not MODEL_PROVIDERS[model.embeddings].embeddings:
        capable = ", ".join(n for n, p in MODEL_PROVIDERS.items() if p.embeddings)
        report(("model", "embeddings"), f"{model.embeddings} has no embedding model; choose one of: {capable}")
    if model.name is not None and model.small is not None and model.large is not None:
        report(("model", "name"), "model.name sets both small and large, which are both given: remove one")


def check_database(spec: AgentSpec, report: Report) -> None:
    """POSTGRES_URL is a secret the program never reads, so the agent file says where it points (`database:`):
    the agent's egress opens to that host and port and to no other database (launchpad/fleet/egress.py)."""
    if "POSTGRES_URL" in spec.secrets and spec.database is None:
        report(
            ("secrets", "POSTGRES_URL"),
            "say where POSTGRES_URL points, so the agent's network policy opens to it and nothing else: add "
            "`database: {host: <service>.<namespace>.svc | <IP address> | <public host>, port: 5432}`",
        )
    if spec.database is not None and "POSTGRES_URL" not in spec.secrets:
        report(
            ("database",), "database: says where POSTGRES_URL points; add `secrets: {POSTGRES_URL: ...}` or remove it"
        )


def has_embeddings(spec: AgentSpec) -> bool:
    return MODEL_PROVIDERS[spec.model.provider].embeddings or spec.model.embeddings is not None


def check_resources(spec: AgentSpec, report: Report) -> None:
    amounts: dict[tuple[str, str], Decimal] = {}
    for kind in ("requests", "limits"):
        for resource, attr in RESOURCES.items():
            value = getattr(getattr(spec.resources, kind), attr)
            if value is None:
                report(
                    ("resources", kind, resource),
                    f"required: set resources.{kind}.{resource} here or in agents/defaults.yaml",
                )
            else:
                amounts[(kind, resource)] = parse_quantity(value)
    for resource, attr in RESOURCES.items():
        request, limit = amounts.get(("requests", resource)), amounts.get(("limits", resource))
        if request is not None and limit is not None and request > limit:
            report(
                ("resources", "requests", resource),
                f"request ({getattr(spec.resources.requests, attr)}) "
                f"is above the limit ({getattr(spec.resources.limits, attr)})",
            )
    limit = amounts.get(("limits", "memory"))
    if limit is not None and limit < MEMORY_LIMIT_FLOOR_BYTES:
        report(
            ("resources", "limits", "memory"),
            f"{spec.resources.limits.memory} is below the {format_bytes(MEMORY_LIMIT_FLOOR_BYTES)} an elizaOS 1.7 "
            f"agent needs (up to {MEASURED_PEAK_BYTES / 1e6:.0f} MB RSS at boot, measured; a lower limit OOM-kills "
            f"it in a restart loop); set at least {format_bytes(MEMORY_LIMIT_FLOOR_BYTES)}",
        )
    request = amounts.get(("requests", "memory"))
    if request is not None and request < MEMORY_REQUEST_FLOOR_BYTES:
        report(
            ("resources", "requests", "memory"),
            f"{spec.resources.requests.memory} is below the {MEASURED_STEADY_MIN_BYTES / 1e6:.0f} MB the lightest "
            "elizaOS 1.7 agent uses steadily (measured); the scheduler would overpack nodes; set at least "
            f"{format_bytes(MEMORY_REQUEST_FLOOR_BYTES)}",
        )
    check_ephemeral_storage(spec, amounts, report)


def check_ephemeral_storage(spec: AgentSpec, amounts: dict[tuple[str, str], Decimal], report: Report) -> None:
    """The limit holds what the pod's emptyDirs may hold and its rotated log; the request what the lightest
    agent was measured to write at boot and its log (launchpad/fleet/catalog.py)."""
    limit = amounts.get(("limits", "ephemeral-storage"))
    if limit is not None and limit < EPHEMERAL_LIMIT_FLOOR_BYTES:
        volumes = " + ".join(f"{name} {size}" for name, size in EMPTY_DIR_SIZE_LIMITS.items())
        report(
            ("resources", "limits", "ephemeral-storage"),
            f"{spec.resources.limits.ephemeral_storage} is below what the agent's pod may hold on the node: its "
            f"emptyDirs' sizeLimits ({volumes}) and its container log ({_mi(CONTAINER_LOG_BYTES)} at the kubelet's "
            "default rotation); the kubelet would evict it before its volumes reach their sizeLimits; set at "
            f"least {_mi(EPHEMERAL_LIMIT_FLOOR_BYTES)}",
        )
    request = amounts.get(("requests", "ephemeral-storage"))
    if request is not None and request < EPHEMERAL_REQUEST_FLOOR_BYTES:
        report(
            ("resources", "requests", "ephemeral-storage"),
            f"{spec.resources.requests.ephemeral_storage} is below the {MEASURED_EPHEMERAL_MIN_BYTES / 1e6:.0f} MB "
            f"the lightest elizaOS 1.7 agent writes at boot (measured) plus its container log "
            f"({_mi(CONTAINER_LOG_BYTES)}); the scheduler would overpack node disks and the kubelet evict it first "
            f"under disk pressure; set at least {_mi(EPHEMERAL_REQUEST_FLOOR_BYTES)}",
        )


def _mi(amount: int | Decimal) -> str:
    return f"{int(amount) // 2**20}Mi"


def check_env(spec: AgentSpec, report: Report) -> None:
    for name, value in spec.env.items():
        loc: Loc = ("env", name)
        if is_credential_name(name):
            report(
                loc,
                f"{name} looks like a credential; env holds plain settings only: move it to "
                f"`secrets: {{{name}: {{config: <key>}}}}` (value not shown)",
            )
        elif (kind := credential_kind(value)) is not None:
            report(loc, f"the value looks like {kind}; move it to `secrets:` (value not shown)")
        if name in RESERVED_ENV:
            report(loc, f"{name} is set by agent-launchpad itself and cannot be overridden")
        elif name in MODEL_ENV:
            report(loc, f"{name} is set from the agent's `model:` and `platforms:` settings; set it there")
        elif name in INERT_ENV:
            report(loc, f"{name} does nothing in this runtime ({INERT_ENV[name]}): remove it")
        if name in spec.secrets:
            report(loc, f"{name} is also under `secrets:`; keep one")
    for name in spec.secrets:
        if name in RESERVED_ENV:
            report(("secrets", name), f"{name} is set by agent-launchpad itself and cannot be overridden")


def check_image(spec: AgentSpec, registry: str | None, report: Report) -> None:
    image = spec.image
    if image is None:
        report(
            ("image",), "required: set `image: {ref: ...}` or `image: {build: {...}}` here or in agents/defaults.yaml"
        )
        return
    if image.ref is not None and not _is_pinned(image.ref):
        report(("image", "ref"), "must be pinned: a tag other than `latest`, or a digest (@sha256:...)")
    if image.build is not None:
        if not _is_pinned(image.build.base_image):
            report(("image", "build", "baseImage"), "must be pinned: a tag other than `latest`, or a digest")
        if registry is None:
            report(("image", "build"), "building an image needs `registry:` (where to push it) in agents/defaults.yaml")


def _is_pinned(ref: str) -> bool:
    if _IMAGE_DIGEST.search(ref):
        return True
    last = ref.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] not in ("", "latest")


def check_labels(spec: AgentSpec, report: Report) -> None:
    for key in spec.labels:
        if key.startswith(RESERVED_LABEL_PREFIXES):
            report(("labels", key), f"{key} is reserved: agent-launchpad sets app.kubernetes.io/* and launchpad.dev/*")


def check_agent(spec: AgentSpec, provenance: Provenance, registry: str | None) -> list[Problem]:
    problems: list[Problem] = []

    def report(loc: Loc, message: str) -> None:
        file, line = provenance.where(loc)
        problems.append(Problem(file, line, field_path(loc), message))

    check_character(spec, report)
    check_plugins(spec, report)
    check_platforms(spec, report)
    check_scaling(spec, report)
    check_model(spec, report)
    check_database(spec, report)
    check_resources(spec, report)
    check_env(spec, report)
    check_image(spec, registry, report)
    check_labels(spec, report)
    return problems
