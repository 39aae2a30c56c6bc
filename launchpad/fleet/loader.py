"""Load a fleet: every agent file under the given paths, with `defaults.yaml` merged under each. Reports
every problem of the whole fleet at once (FleetError) and returns nothing partial: either all agents are
valid and resolved, or the caller gets the full list of what to fix."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from launchpad.errors import FleetError, Problem
from launchpad.fleet import packing as packer
from launchpad.fleet import tenants as tenancy
from launchpad.fleet.across import fleet_problems
from launchpad.fleet.api_source import ApiAgent, api_file, source_doc
from launchpad.fleet.models import FleetDefaults
from launchpad.fleet.one_agent import DEFAULTS_FILE, resolve_agent
from launchpad.fleet.resolved import Agent, Fleet
from launchpad.images.lockfiles import LOCKS_DIR, LockReader
from launchpad.source.pydantic_problems import problems_from
from launchpad.source.yaml_source import Loc, SourceDoc, load_yaml

__all__ = ["DEFAULTS_FILE", "discover", "load_api_agent", "load_fleet", "locks_dir_of"]
AGENT_SUFFIXES = (".yaml", ".yml")


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows): show it whole
        return str(path)


def _inside(file: Path, root: Path) -> bool:
    """Whether `file`, every symlink followed, is in `root`: a symlink in agents/ that points elsewhere would
    make the fleet read any file the deploying machine can."""
    try:
        return file.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def discover(
    paths: list[Path], *, allow_none: bool = False
) -> tuple[list[tuple[Path, Path]], Path | None, list[Problem]]:
    """Agent files, each with its fleet directory (the directory given, or the given file's), and the defaults
    file under `paths` (directories are read one level deep, sorted). No agent file is a problem unless
    `allow_none` (a fleet of API agents only)."""
    agents: list[tuple[Path, Path]] = []
    defaults: Path | None = None
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in AGENT_SUFFIXES and p.is_file())
            for file in found:
                if not _inside(file, path):
                    problems.append(Problem(_display(file), 1, "", f"is a symlink to a file outside {_display(path)}"))
                elif file.name == DEFAULTS_FILE:
                    defaults = file
                else:
                    agents.append((file, path))
        elif path.is_file():
            if path.name == DEFAULTS_FILE:
                defaults = path
            else:
                agents.append((path, path.parent))
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


def _load_agent(
    path: Path, root: Path, defaults_doc: SourceDoc | None, defaults: FleetDefaults, locks: LockReader | None
) -> tuple[Agent | None, list[Problem]]:
    doc, problems = load_yaml(path, _display(path))
    if doc is None:
        return None, problems
    agent, agent_problems = resolve_agent(doc, path, root, defaults_doc, defaults, locks)
    return agent, problems + agent_problems


def _load_api(
    api: ApiAgent, base: Path, defaults_doc: SourceDoc | None, defaults: FleetDefaults, locks: LockReader | None
) -> tuple[Agent | None, list[Problem]]:
    """An agent created through the API: its spec read as an agent file's data, with no directory of files
    (root None: it may not name a character file)."""
    return resolve_agent(source_doc(api), base / api_file(api.name), None, defaults_doc, defaults, locks,
                         incarnation=api.row_id, api=api)


def locks_dir_of(paths: list[Path]) -> Path:
    """Lockfiles live in `locks/` beside the agent files (of the first path given)."""
    first = paths[0] if paths else Path("agents")
    return (first if first.is_dir() else first.parent) / LOCKS_DIR


def load_fleet(
    paths: list[Path] | None = None,
    *,
    require_locks: bool = True,
    api_agents: Sequence[ApiAgent] = (),
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
    agent_files: list[tuple[Path, Path]],
    defaults_file: Path | None,
    problems: list[Problem],
    require_locks: bool,
    api_agents: Sequence[ApiAgent],
) -> Fleet:
    locks = LockReader(locks_dir_of(paths)) if require_locks else None
    defaults_doc, defaults, defaults_problems = _load_defaults(defaults_file)
    problems += defaults_problems
    agents: list[Agent] = []
    for path, root in agent_files:
        agent, agent_problems = _load_agent(path, root, defaults_doc, defaults, locks)
        problems += agent_problems
        if agent is not None:
            agents.append(agent)
    base = paths[0] if paths and paths[0].is_dir() else (paths[0].parent if paths else Path("agents"))
    for api in api_agents:  # after the files: a name both use is reported at the API agent
        agent, agent_problems = _load_api(api, base, defaults_doc, defaults, locks)
        problems += agent_problems
        if agent is not None:
            agents.append(agent)
    # Rules across agents over both sources together: names, files, bot identities, egress targets.
    problems += fleet_problems(agents) + packer.reserved_names(agents)
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
    files = tuple(_display(p) for p, _ in agent_files)
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
