"""Load a fleet: every agent file under the given paths, with `defaults.yaml` merged under each. Reports
every problem of the whole fleet at once (FleetError) and returns nothing partial: either all agents are
valid and resolved, or the caller gets the full list of what to fix."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from launchpad.character.read import LoadedCharacter, check_rules, load_character_file
from launchpad.errors import FleetError, Problem, field_path
from launchpad.fleet import packing as packer
from launchpad.fleet import resolved as resolve
from launchpad.fleet import tenants as tenancy
from launchpad.fleet.models import AgentSpec, FleetDefaults
from launchpad.fleet.provenance import Provenance, merge_defaults
from launchpad.fleet.resolved import Agent, ConfigSecretUse, Fleet
from launchpad.fleet.rules import check_agent, has_embeddings
from launchpad.images.build import ImageBuild
from launchpad.images.lockfiles import LOCKS_DIR, LockReader
from launchpad.source.pydantic_problems import problems_from
from launchpad.source.yaml_source import Loc, SourceDoc, load_yaml

DEFAULTS_FILE = "defaults.yaml"
AGENT_SUFFIXES = (".yaml", ".yml")


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows): show it whole
        return str(path)


def discover(paths: list[Path]) -> tuple[list[Path], Path | None, list[Problem]]:
    """Agent files and the defaults file under `paths` (directories are read one level deep, sorted)."""
    agents: list[Path] = []
    defaults: Path | None = None
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in AGENT_SUFFIXES and p.is_file())
            for file in found:
                if file.name == DEFAULTS_FILE:
                    defaults = file
                else:
                    agents.append(file)
        elif path.is_file():
            if path.name == DEFAULTS_FILE:
                defaults = path
            else:
                agents.append(path)
        else:
            problems.append(Problem(_display(path), 1, "", "no such file or directory"))
    if not agents and not problems:
        problems.append(Problem(_display(paths[0]) if paths else ".", 1, "", "no agent files (*.yaml) found"))
    return agents, defaults, problems


def _load_defaults(path: Path | None) -> tuple[SourceDoc | None, FleetDefaults, list[Problem]]:
    if path is None:
        return None, FleetDefaults(), []
    doc, problems = load_yaml(path, _display(path))
    if doc is None:
        return None, FleetDefaults(), problems
    try:
        return doc, FleetDefaults.model_validate(doc.data), problems
    except ValidationError as exc:
        where = lambda loc: (doc.path, doc.line_of(loc))  # noqa: E731 - a one-line adapter
        return None, FleetDefaults(), problems + problems_from(exc, FleetDefaults, where)


def _character(spec: AgentSpec, data: dict[str, Any], file: Path, provenance: Provenance) -> LoadedCharacter:
    if spec.character is not None:
        problems = check_rules(data["character"], provenance.where, ("character",))
        rendered = spec.character.model_dump(by_alias=True, exclude_none=True)
        return LoadedCharacter(None if problems else rendered, problems)
    if spec.character_file is None:
        return LoadedCharacter(None)  # reported by the rules
    display, line = provenance.where(("characterFile",))
    return load_character_file(spec.character_file, file, display, line, set(spec.platforms), spec.model.provider)


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


def _load_agent(
    path: Path, defaults_doc: SourceDoc | None, registry: str | None, locks: LockReader | None
) -> tuple[Agent | None, list[Problem]]:
    doc, problems = load_yaml(path, _display(path))
    if doc is None:
        return None, problems
    data, provenance = merge_defaults(doc, defaults_doc)
    try:
        spec = AgentSpec.model_validate(data)
    except ValidationError as exc:
        return None, problems + problems_from(exc, AgentSpec, provenance.where, data)
    problems += check_agent(spec, provenance, registry)
    loaded = _character(spec, data, path, provenance)
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
    if spec.image.build is not None and registry is not None:
        b = spec.image.build
        origins = resolve.plugin_origins(spec, knowledge_loc if knowledge else None)
        build, lock_problems = _locked(
            ImageBuild(registry, b.runtime, b.base_image, b.bun_version, tuple(sorted(plugins))),
            locks, spec, origins, provenance,
        )  # fmt: skip
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
    )
    return (None if problems else agent), problems


def _duplicate_names(agents: list[Agent]) -> list[Problem]:
    first: dict[str, Agent] = {}
    problems = []
    for agent in agents:
        if agent.name in first:
            other = first[agent.name]
            problems.append(
                Problem(
                    agent.file,
                    agent.name_line,
                    "name",
                    f"agent name {agent.name!r} is already used by {other.file}:{other.name_line}; "
                    "agent names must be unique across the fleet",
                )
            )
        else:
            first[agent.name] = agent
    return problems


def locks_dir_of(paths: list[Path]) -> Path:
    """Lockfiles live in `locks/` beside the agent files (of the first path given)."""
    first = paths[0] if paths else Path("agents")
    return (first if first.is_dir() else first.parent) / LOCKS_DIR


def load_fleet(paths: list[Path] | None = None, *, require_locks: bool = True) -> Fleet:
    """Load and validate the fleet; raise FleetError with every problem found. `require_locks=False` loads a
    fleet whose plugin sets are not locked yet (for `launchpad lock`)."""
    paths = paths or [Path("agents")]
    locks = LockReader(locks_dir_of(paths)) if require_locks else None
    agent_files, defaults_file, problems = discover(paths)
    defaults_doc, defaults, defaults_problems = _load_defaults(defaults_file)
    problems += defaults_problems
    agents: list[Agent] = []
    for path in agent_files:
        agent, agent_problems = _load_agent(path, defaults_doc, defaults.registry, locks)
        problems += agent_problems
        if agent is not None:
            agents.append(agent)
    problems += _duplicate_names(agents) + packer.reserved_names(agents)
    packing = packer.plan_packs(agents, defaults.packing) if not problems else packer.Packing((), {}, [])
    problems += packing.problems
    limits = _tenant_limits(agents, defaults, defaults_doc)
    if limits and not problems:
        packed = {a.name for pack in packing.packs for a in pack.agents}
        footprints = [tenancy.footprint(a.spec, a.namespace, a.single_identity) for a in agents if a.name not in packed]
        footprints += [packer.footprint(pack) for pack in packing.packs]
        problems += tenancy.check_tenants(limits, footprints)
    if problems:
        raise FleetError(problems)
    files = tuple(_display(p) for p in agent_files)
    return Fleet(tuple(agents), defaults.registry, files, limits, packing.packs, packing.unpacked)


def _where(doc: SourceDoc) -> Callable[[Loc], tuple[str, int]]:
    return lambda loc: (doc.path, doc.line_of(loc))


def _tenant_limits(
    agents: list[Agent], defaults: FleetDefaults, doc: SourceDoc | None
) -> dict[str, tenancy.NamespaceLimits]:
    """Each agent namespace's quota and LimitRange, from the defaults file's `tenants:` section (resolved once
    per namespace: a tenant's agents share theirs)."""
    if defaults.tenants is None or doc is None:
        return {}
    namespaces = {a.namespace: a.spec.tenant for a in agents}
    return {ns: tenancy.resolve(defaults.tenants, tenant, _where(doc)) for ns, tenant in namespaces.items()}
