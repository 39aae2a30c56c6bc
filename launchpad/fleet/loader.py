"""Load a fleet: every agent file under the given paths, with `defaults.yaml` merged under each. Reports
every problem of the whole fleet at once (FleetError) and returns nothing partial: either all agents are
valid and resolved, or the caller gets the full list of what to fix."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from launchpad.character.read import LoadedCharacter, check_rules, load_character_file
from launchpad.errors import FleetError, Problem, field_path, located
from launchpad.fleet import resolved as resolve
from launchpad.fleet import tenants as tenancy
from launchpad.fleet.api_source import ApiAgent, api_rules, file_rules, source_doc
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


def discover(paths: list[Path], *, allow_none: bool = False) -> tuple[list[Path], Path | None, list[Problem]]:
    """Agent files and the defaults file under `paths` (directories are read one level deep, sorted).
    No agent file is a problem unless `allow_none` (a fleet of API agents only)."""
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
    if not agents and not problems and not allow_none:
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


def _locked(build: ImageBuild, locks: LockReader | None, provenance: Provenance) -> tuple[ImageBuild, list[Problem]]:
    """`build` with its committed lockfile; a missing or stale lock is a problem at `image.build`, because the
    image's frozen install would refuse it (locks None: `launchpad lock`, which writes them)."""
    if locks is None:
        return build, []
    locked, wrong = locks(build)
    if locked is None:
        file, line = provenance.where(("image", "build"))
        return build, [Problem(file, line, "image.build", f"{wrong}; run `python -m launchpad lock` and commit it")]
    return locked, []


def _load_agent(
    path: Path, defaults_doc: SourceDoc | None, registry: str | None, locks: LockReader | None
) -> tuple[Agent | None, list[Problem]]:
    doc, problems = load_yaml(path, _display(path))
    if doc is None:
        return None, problems
    agent, more = _load_doc(doc, path, defaults_doc, registry, locks)
    return agent, problems + more


def _load_doc(
    doc: SourceDoc,
    path: Path,
    defaults_doc: SourceDoc | None,
    registry: str | None,
    locks: LockReader | None,
    api: ApiAgent | None = None,
) -> tuple[Agent | None, list[Problem]]:
    """One agent, from a file (`path`) or from the API (`api`, with `path` the directory of the agent files,
    which it never reads from)."""
    problems: list[Problem] = []
    data, provenance = merge_defaults(doc, defaults_doc)
    try:
        spec = AgentSpec.model_validate(data)
    except ValidationError as exc:
        return None, problems + problems_from(exc, AgentSpec, provenance.where, data)
    problems += check_agent(spec, provenance, registry)
    problems += api_rules(spec, doc.data, doc.path) if api is not None else file_rules(spec, provenance.where)
    if api is not None and spec.character_file is not None:
        return None, problems  # refused above: an API agent reads no file
    loaded = _character(spec, data, path, provenance)
    problems += loaded.problems
    base_character = loaded.character
    if problems or base_character is None or spec.image is None:
        return None, problems
    knowledge = bool(base_character.get("knowledge"))
    if knowledge and not has_embeddings(spec):
        where = ("character", "knowledge") if spec.character is not None else ("characterFile",)
        file, line = provenance.where(where)
        problems.append(
            Problem(
                file, line, field_path(where),
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
        build, lock_problems = _locked(
            ImageBuild(registry, b.runtime, b.base_image, b.bun_version, tuple(sorted(plugins))), locks, provenance
        )
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
        source="git" if api is None else "api",
        paused=api.paused if api is not None else False,
        restarted_at=api.restarted_at if api is not None else None,
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
                    f"agent name {agent.name!r} is already used by {located(other.file, other.name_line)}; "
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


def load_fleet(
    paths: list[Path] | None = None, *, require_locks: bool = True, api_agents: Sequence[ApiAgent] = ()
) -> Fleet:
    """Load and validate the fleet: the agent files under `paths` and the agents created through the API
    (`api_agents`, read from the database), one fleet under one set of rules. Raise FleetError with every
    problem found. `require_locks=False` loads a fleet whose plugin sets are not locked yet (for `launchpad
    lock`)."""
    paths = paths or [Path("agents")]
    agent_files, defaults_file, problems = discover(paths, allow_none=bool(api_agents))
    return _load(paths, agent_files, defaults_file, problems, require_locks, api_agents)


def load_api_agent(agents_dir: Path, agent: ApiAgent) -> Agent:
    """One agent created through the API, validated as the program will load it: the fleet defaults of
    `agents_dir` merged under it, every rule, its character, its plugin set's committed lockfile, its
    namespace's quota and LimitRange. Raise FleetError with every problem."""
    defaults = agents_dir / DEFAULTS_FILE
    fleet = _load([agents_dir], [], defaults if defaults.is_file() else None, [], True, [agent])
    return fleet.agents[0]


def _load(
    paths: list[Path],
    agent_files: list[Path],
    defaults_file: Path | None,
    problems: list[Problem],
    require_locks: bool,
    api_agents: Sequence[ApiAgent],
) -> Fleet:
    locks = LockReader(locks_dir_of(paths)) if require_locks else None
    defaults_doc, defaults, defaults_problems = _load_defaults(defaults_file)
    problems += defaults_problems
    agents: list[Agent] = []
    for path in agent_files:
        agent, agent_problems = _load_agent(path, defaults_doc, defaults.registry, locks)
        problems += agent_problems
        if agent is not None:
            agents.append(agent)
    base = paths[0] if paths and paths[0].is_dir() else (paths[0].parent if paths else Path("agents"))
    for api in api_agents:  # after the files: a name both use is reported at the API agent
        agent, agent_problems = _load_doc(source_doc(api), base, defaults_doc, defaults.registry, locks, api)
        problems += agent_problems
        if agent is not None:
            agents.append(agent)
    problems += _duplicate_names(agents)
    limits = _tenant_limits(agents, defaults, defaults_doc)
    if limits and not problems:
        footprints = [tenancy.footprint(a.spec, a.namespace, a.single_identity) for a in agents]
        problems += tenancy.check_tenants(limits, footprints)
    if problems:
        raise FleetError(problems)
    return Fleet(tuple(agents), defaults.registry, tuple(_display(p) for p in agent_files), limits)


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
