"""A sharded fleet's stacks as they are against what they should be, read from the files and the states
before any stack runs: the platform's settings and fleet (validated whole), which shard stacks exist and
which agents each one holds, which changed (fingerprints), and the plan `shards up` carries out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from launchpad.contracts import FINGERPRINT_OUTPUT, PROJECT
from launchpad.db.repository.fleet_api_agents import read_fleet_api_agents
from launchpad.errors import UserError
from launchpad.fleet import Fleet, FleetError, load_fleet
from launchpad.fleet.api_source import ApiAgent
from launchpad.settings import StackSettings, wants_database
from launchpad.stacks import assignment, fingerprints
from launchpad.stacks.needs import stack_needs
from launchpad.stacks.plan import ShardPlan, plan
from launchpad.stacks.pulumi_cli import Deployed, Pulumi
from launchpad.stacks.stack_files import plain_config, stack_file

SHARD_PREFIXES = (assignment.HASH_PREFIX, assignment.TENANT_PREFIX)


class StackError(UserError):
    pass


@dataclass
class Environment:
    """A platform stack, its fleet and where each agent belongs, read from the files (no engine)."""

    root: Path
    platform: str
    plain: dict[str, Any]  # the platform's plain settings (Pulumi.<platform>.yaml)
    settings: StackSettings
    fleet: Fleet
    shards: list[str]  # shard ids, in order
    assignment: dict[str, str]  # agent -> shard id

    def stack(self, shard: str) -> str:
        return assignment.stack_name(self.platform, shard)

    def agents_of(self, shard: str) -> list[Any]:
        return [a for a in self.fleet.agents if self.assignment[a.name] == shard]

    def fingerprint(self, stack: str) -> str:
        if stack == self.platform:
            return fingerprints.platform_fingerprint(self.root, self.platform, self.fleet)
        shard = stack.removeprefix(f"{self.platform}-")
        return fingerprints.shard_fingerprint(self.root, self.platform, shard, self.fleet, self.agents_of(shard))

    def needed_secrets(self, shard: str) -> set[str]:
        """The config secrets the shard's stack must hold: what its program will ask for, no more."""
        plain = {**self.plain, "platform": self.platform, "shard": shard}
        return stack_needs(self.fleet, plain, self.stack(shard)).secret_keys


def load_environment(root: Path, platform: str, database_url: Callable[[], str] | None = None) -> Environment:
    """Every problem of the fleet and the platform's settings at once, before any stack runs. With a
    database (`database: true`), the fleet includes the agents created through the API, as the program's
    does (`database_url` gives the platform's databaseUrl secret): their shards are planned like any other."""
    plain = plain_config(stack_file(root, platform))
    if not stack_file(root, platform).exists():
        raise StackError(f"Pulumi.{platform}.yaml: no such stack file; a platform stack needs one with "
                       f"{PROJECT}:sharding")
    api_agents: list[ApiAgent] = []
    if database_url is not None and wants_database(plain):
        try:
            api_agents = read_fleet_api_agents(database_url(), platform).agents
        except UserError as exc:
            raise StackError(f"cannot read the agents created through the API; nothing was deployed in any stack:\n"
                             f"{exc.render()}") from None
    try:
        fleet = load_fleet([root / str(plain.get("agentsDir", "agents"))], api_agents=api_agents)
    except FleetError as exc:
        raise StackError(f"{exc.render()}\n{len(exc.problems)} problem(s); nothing was deployed in any stack") from None
    if plain.get("platform") or plain.get("shard"):
        raise StackError(f"Pulumi.{platform}.yaml: {PROJECT}:platform: {platform} is a shard stack, not a platform")
    try:
        settings = stack_needs(fleet, plain, platform).settings
    except UserError as exc:
        raise StackError(f"{exc.render()}\nnothing was deployed in any stack") from None
    if settings.sharding is None:
        raise StackError(f"Pulumi.{platform}.yaml: {PROJECT}:sharding: not set, so {platform} is not a platform "
                       "stack (e.g. `pulumi config set --path sharding.by hash` and `sharding.count 4`)")
    ids = assignment.shard_ids(settings.sharding, fleet)
    return Environment(root, platform, plain, settings, fleet, ids, assignment.assign(fleet, settings.sharding))


@dataclass
class Status:
    """The environment against the deployed stacks."""

    env: Environment
    existing: set[str]
    deployed: dict[str, Deployed]  # stack -> its state (existing stacks of this platform only)
    plan: ShardPlan = field(init=False)

    def __post_init__(self) -> None:
        held = {stack.removeprefix(f"{self.env.platform}-"): set(d.agents) for stack, d in self.deployed.items()
                if stack != self.env.platform}
        self.plan = plan(self.env.assignment, held)

    @property
    def shard_stacks(self) -> list[str]:
        return [self.env.stack(s) for s in self.env.shards]

    @property
    def missing(self) -> list[str]:
        return [s for s in self.shard_stacks if s not in self.existing]

    @property
    def retired(self) -> list[str]:
        return sorted(set(self.deployed) - set(self.shard_stacks) - {self.env.platform})

    def changed(self, stack: str) -> bool:
        deployed = self.deployed.get(stack)
        return deployed is None or deployed.outputs.get(FINGERPRINT_OUTPUT) != self.env.fingerprint(stack)

    def to_update(self, everything: bool = False) -> list[str]:
        return [s for s in self.shard_stacks if everything or self.changed(s)]

    def releasing(self) -> dict[str, list[str]]:
        """Stack -> URNs of the ElizaAgents it must destroy."""
        return {
            self.env.stack(shard): [self.deployed[self.env.stack(shard)].agents[a] for a in agents]
            for shard, agents in self.plan.leaving.items()
        }


def read_status(env: Environment, pulumi: Pulumi, parallel: int) -> Status:
    existing = pulumi.stacks()
    ours = sorted(
        s for s in existing
        if s == env.platform or any(s.startswith(f"{env.platform}-{p}") for p in SHARD_PREFIXES)
    )
    with ThreadPoolExecutor(max_workers=max(parallel, 4)) as pool:
        deployed = dict(zip(ours, pool.map(pulumi.deployed, ours), strict=True))
    return Status(env, existing, deployed)


def check_shard_stacks(status: Status, pulumi: Pulumi, stacks: Sequence[str], parallel: int) -> None:
    """Every shard stack to run exists and holds the secrets its agents need: checked before any runs."""
    env = status.env
    problems = [f"{s}: no such stack: `python -m launchpad shards create --stack {env.platform}`"
                for s in stacks if s not in status.existing]
    present = [s for s in stacks if s in status.existing]
    with ThreadPoolExecutor(max_workers=max(parallel, 4)) as pool:
        configs = dict(zip(present, pool.map(pulumi.config, present), strict=True))
    prefix = f"{PROJECT}:"
    for stack, config in configs.items():
        secrets = {k.removeprefix(prefix) for k, v in config.items() if v.get("secret")}
        shard = stack.removeprefix(f"{env.platform}-")
        for key in sorted(env.needed_secrets(shard) - secrets):
            problems.append(f"Pulumi.{stack}.yaml: {prefix}{key}: not set as a secret (its agents need it): "
                            f"`pulumi config set --secret {key} <value> --stack {env.platform}` and "
                            f"`python -m launchpad shards create --stack {env.platform}`")
    if problems:
        raise StackError("\n".join(problems) + "\nnothing was deployed in any stack")


@dataclass(frozen=True)
class Phases:
    """Stack names per phase, in the order `up` runs them (a CI workflow's job matrices), and why."""

    release: list[str] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)
    retire: list[str] = field(default_factory=list)
    moves: dict[str, list[str]] = field(default_factory=dict)  # agent -> [from stack, to stack]
    leaving: dict[str, list[str]] = field(default_factory=dict)  # stack -> agents it releases

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def plan_data(status: Status, everything: bool) -> Phases:
    env = status.env
    return Phases(
        release=sorted(status.releasing()),
        platform=[env.platform] if everything or status.changed(env.platform) else [],
        shards=status.to_update(everything),
        retire=status.retired,
        moves={agent: [env.stack(a), env.stack(b)] for agent, (a, b) in sorted(status.plan.moves.items())},
        leaving={s: sorted(urn.rsplit("::", 1)[1] for urn in urns) for s, urns in status.releasing().items()},
    )
