"""One agent, from its parsed document to a resolved `Agent`: the defaults merged under it, its shape, its own
rules, its tier, its endpoints, its character, plugins and image. The document is an agent file's, or (for
the API) a request body converted to the same shape, read with the same bounds (launchpad/source/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from launchpad.character.read import LoadedCharacter, check_rules, load_character_file
from launchpad.errors import Problem, field_path
from launchpad.fleet import egress
from launchpad.fleet import resolved as resolve
from launchpad.fleet import tenants as tenancy
from launchpad.fleet.api_source import ApiAgent, api_rules, file_rules
from launchpad.fleet.models import AgentSpec, FleetDefaults
from launchpad.fleet.provenance import Provenance, merge_defaults
from launchpad.fleet.resolved import Agent, ConfigSecretUse
from launchpad.fleet.rules import check_agent, has_embeddings
from launchpad.fleet.tiers import DEFAULT_TIER
from launchpad.images.build import ImageBuild
from launchpad.images.lockfiles import LockReader
from launchpad.source.limits import MAX_CHARACTER_BYTES
from launchpad.source.pydantic_problems import problems_from
from launchpad.source.yaml_source import Loc, SourceDoc

DEFAULTS_FILE = "defaults.yaml"
Endpoint = tuple[str, egress.Destination, str, int]


def _character(
    spec: AgentSpec, data: dict[str, Any], file: Path, root: Path | None, provenance: Provenance
) -> LoadedCharacter:
    if spec.character is not None:
        problems = check_rules(data["character"], provenance.where, ("character",))
        rendered = spec.character.model_dump(by_alias=True, exclude_none=True)
        return LoadedCharacter(None if problems else rendered, problems)
    if spec.character_file is None:
        return LoadedCharacter(None)  # reported by the rules
    display, line = provenance.where(("characterFile",))
    platforms, provider = {str(p) for p in spec.platforms}, spec.model.provider
    return load_character_file(spec.character_file, file, display, line, platforms, provider, root)


def _file_plugins_problems(
    character: dict[str, Any], plugins: tuple[str, ...], provenance: Provenance
) -> list[Problem]:
    """A character file that names plugins the agent does not declare would run without them: say so."""
    listed = character.get("plugins") or []
    resolved = set(resolve.plugin_names(plugins))
    missing = [p for p in listed if isinstance(p, str) and p not in resolved]
    if not missing:
        return []
    file, line = provenance.where(("characterFile",))
    return [
        Problem(
            file,
            line,
            "characterFile",
            f"the character file lists plugin(s) {', '.join(missing)} that are not under `plugins:`; "
            "add them there, pinned (e.g. name@1.2.3)",
        )
    ]


def _locked(
    build: ImageBuild, locks: LockReader | None, spec: AgentSpec, origins: dict[str, Loc], provenance: Provenance
) -> tuple[ImageBuild, list[Problem]]:
    """`build` with its committed lockfile; a missing or stale lock is a problem of the agent (the image's
    frozen install would refuse it), at the line of its file that made the set (locks None: `launchpad
    lock`, which writes them)."""
    if locks is None:
        return build, []
    locked, wrong = locks(build)
    if locked is not None:
        return locked, []
    loc, why = _what_made_the_set(build, locks, origins, provenance)
    file, line = provenance.where(loc)
    message = f"agent {spec.name}: {wrong}{why}; run `python -m launchpad lock` and commit it"
    return build, [Problem(file, line, field_path(loc), message)]


def _what_made_the_set(
    build: ImageBuild, locks: LockReader, origins: dict[str, Loc], provenance: Provenance
) -> tuple[Loc, str]:
    """Where in the agent file its plugin set comes from, and why it is new: the first of its plugins that no
    committed lock holds, against the locked set nearest to it (fewest plugins it adds, then fewest it lacks),
    at the `model:`, `platforms:`, `plugins:` or knowledge line that brought it. A set with no new plugin
    (one left out, another runtime or bun) points at the agent's own `image.build`, else at its `name:`."""
    wanted = frozenset(f"{name}@{version}" for name, version in build.dependencies().items())
    nearest = min(locks.locked_sets(), key=lambda s: (len(wanted - s), len(s - wanted)), default=frozenset())
    new = [p for p in build.plugins if p not in nearest and p in origins]
    if new:
        first = min(new, key=lambda p: provenance.where(origins[p])[1])
        return origins[first], f" ({', '.join(new)} in no locked set)"
    runtime = set(build.dependencies()) - {p.rpartition("@")[0] for p in build.plugins}  # server, cli, core, bun
    besides = sorted(d for d in nearest - wanted if d.rpartition("@")[0] not in runtime)
    why = f" (every plugin of it is locked, in a set that also has {', '.join(besides)})" if besides else ""
    if provenance.where(("image", "build"))[0] == provenance.agent.path:
        return ("image", "build"), why
    return ("name",), why


def _endpoints(spec: AgentSpec, provenance: Provenance) -> tuple[list[Endpoint], list[Problem]]:
    """Each endpoint the agent declares, classified (launchpad/fleet/egress.py), or why it may not go there."""
    declared: list[tuple[Loc, egress.Destination | str]] = []
    if spec.model.endpoint is not None and spec.model.provider == "ollama":  # else refused by the rules
        declared.append((("model", "endpoint"), egress.endpoint_destination(spec.model.endpoint)))
    if spec.database is not None:
        declared.append((("database", "host"), egress.classify(spec.database.host, spec.database.port)))
    endpoints: list[Endpoint] = []
    problems: list[Problem] = []
    for loc, destination in declared:
        file, line = provenance.where(loc)
        if isinstance(destination, str):
            problems.append(Problem(file, line, field_path(loc), destination))
        else:
            endpoints.append((field_path(loc), destination, file, line))
    return endpoints, problems


def _tier_problems(spec: AgentSpec, defaults: FleetDefaults, provenance: Provenance) -> list[Problem]:
    """The platform decides who may run at which tier (`allowedTiers` in the defaults file's `tenants:`):
    `critical` evicts other tenants' pods when the cluster is full."""
    allowed, granted_at = tenancy.allowed_tiers(defaults.tenants, spec.tenant)
    tier = spec.tier or DEFAULT_TIER
    if tier in allowed:
        return []
    file, line = provenance.where(("tier",))
    who = f"tenant {spec.tenant}" if spec.tenant else "an agent without a tenant"
    source = f" ({field_path(granted_at)})" if granted_at else " (the default)"
    fix = (
        f"the platform grants it in {DEFAULTS_FILE} (tenants.overrides.{spec.tenant}.allowedTiers)"
        if spec.tenant
        else f"give the agent a tenant the platform grants it to in {DEFAULTS_FILE}"
    )
    return [Problem(file, line, "tier", f"{who} may run at {', '.join(allowed)}{source}, not {tier}: {fix}")]


def _size_problems(agent: Agent, provenance: Provenance) -> list[Problem]:
    size = len(agent.character_json.encode())
    if size <= MAX_CHARACTER_BYTES:
        return []
    where: Loc = ("character",) if agent.spec.character is not None else ("characterFile",)
    file, line = provenance.where(where)
    return [
        Problem(
            file, line, field_path(where),
            f"the character renders to {size:,} bytes, above the {MAX_CHARACTER_BYTES:,} one agent's ConfigMap may "
            "hold (a ConfigMap holds at most 1 MiB, and the state keeps it three times): trim it, or move long "
            "knowledge into documents the knowledge plugin loads",
        )
    ]  # fmt: skip


def resolve_agent(
    doc: SourceDoc,
    path: Path,
    root: Path | None,
    defaults_doc: SourceDoc | None,
    defaults: FleetDefaults,
    locks: LockReader | None,
    *,
    incarnation: str = "",
    api: ApiAgent | None = None,
) -> tuple[Agent | None, list[Problem]]:
    """One agent from its parsed document: (agent, []) or (None, every problem). `root` is the fleet directory
    a character file must lie in (None: no file may be named, an API agent); `incarnation` what makes it a new
    agent under an old name (an API agent's row id; launchpad.fleet.resolved.Agent). `api`: the agent was
    created through the API (launchpad/fleet/api_source.py): what only a file may do is refused, and the agent
    carries what the control plane adds (paused, a restart)."""
    data, provenance = merge_defaults(doc, defaults_doc)
    try:
        spec = AgentSpec.model_validate(data)
    except ValidationError as exc:
        return None, problems_from(exc, AgentSpec, provenance.where, data)
    problems = check_agent(spec, provenance, defaults.registry)
    problems += api_rules(spec, doc.data, doc.path) if api is not None else file_rules(spec, provenance.where)
    problems += _tier_problems(spec, defaults, provenance)
    endpoints, endpoint_problems = _endpoints(spec, provenance)
    problems += endpoint_problems
    if api is not None and spec.character_file is not None:
        return None, problems  # refused by api_rules: an agent created through the API reads no file
    loaded = _character(spec, data, path, root, provenance)
    problems += loaded.problems
    base_character = loaded.character
    if problems or base_character is None or spec.image is None:
        return None, problems
    knowledge = bool(base_character.get("knowledge"))
    knowledge_loc: Loc = ("character", "knowledge") if spec.character is not None else ("characterFile",)
    if knowledge and not has_embeddings(spec):
        file, line = provenance.where(knowledge_loc)
        problems.append(
            Problem(
                file, line, field_path(knowledge_loc),
                f"knowledge is embedded by plugin-knowledge with a TEXT_EMBEDDING model, and {spec.model.provider} "
                "has none: set `model.embeddings:` to openai, openrouter, google or ollama (and its secret)",
            )
        )  # fmt: skip
    plugins = resolve.resolve_plugins(spec, knowledge)
    if spec.character_file is not None:
        problems += _file_plugins_problems(base_character, plugins, provenance)
    build = None
    if spec.image.build is not None and defaults.registry is not None:
        b = spec.image.build
        image = ImageBuild(defaults.registry, b.runtime, b.base_image, b.bun_version, tuple(sorted(plugins)))
        origins = resolve.plugin_origins(spec, knowledge_loc if knowledge else None)
        build, lock_problems = _locked(image, locks, spec, origins, provenance)
        problems += lock_problems
    uses = tuple(
        ConfigSecretUse(source.config, env, *provenance.where(("secrets", env)))
        for env, source in spec.secrets.items()
        if source.config is not None
    )
    agent = Agent(
        spec=spec,
        file=doc.path,
        name_line=doc.line_of(("name",)),
        character=resolve.build_character(base_character, plugins, spec),
        plugins=plugins,
        platforms=resolve.platform_modes(spec),
        single_identity=resolve.is_single_identity(spec),
        image_ref=build.ref if build else spec.image.ref or "",
        image_build=build,
        config_secrets=uses,
        notes=tuple(loaded.notes),
        endpoints=tuple(endpoints),
        incarnation=incarnation,
        source="git" if api is None else "api",
        paused=api.paused if api is not None else False,
        restarted_at=api.restarted_at if api is not None else None,
    )
    problems += _size_problems(agent, provenance)
    return (None if problems else agent), problems
