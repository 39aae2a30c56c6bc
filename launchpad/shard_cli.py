"""`python -m launchpad shards ...`: a sharded fleet's stacks (docs/architecture.md, "Stacks and shards").

list     the platform stack and its shard stacks: agents assigned, agents deployed, up to date or not
create   create the missing shard stacks (config copied from the platform, then reduced to the shard's
         identity and its secrets) and refresh the secrets of the existing ones
plan     what `up` would do: agents to release, stacks to update, shard stacks to retire (--json for CI)
preview  `pulumi preview` of the platform and of every changed shard, --parallel at a time
up       release -> platform -> shards -> retire (below), each phase only after the previous one succeeded
release  delete, in their old shard, the agents that moved to another shard or left the fleet
retire   destroy and remove shard stacks that are no longer shards (a smaller count, a tenant gone)

Why the order: an agent is a bot identity (one Telegram/Discord session), so a moved agent must be gone
from its old shard before its new shard starts it. `release` destroys exactly the leaving ElizaAgents
(`pulumi destroy --target ... --target-dependents`) and nothing else; their registry rows stay, because
rows belong to the stack that runs the agent (components/registry.py). Between `release` and the shards'
`up`, a moved agent runs nowhere and keeps its row; after it, it runs in its new shard, same row.

Everything is validated before any stack runs: the whole fleet, the platform's settings, every shard
stack's existence and secrets. An invalid fleet changes no stack.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launchpad import shards
from launchpad.pulumi_cli import Deployed, Pulumi, PulumiError, Result
from launchpad.settings import PROJECT, SettingsError, StackSettings, parse_settings
from launchpad.spec import Fleet, FleetError, load_fleet
from launchpad.workloads.auth_token import TOKEN_KEY_CONFIG

SHARD_PREFIXES = (shards.HASH_PREFIX, shards.TENANT_PREFIX)


class CliError(Exception):
    pass


@dataclass
class Environment:
    """A platform stack, its fleet and where each agent belongs, read from the files (no engine)."""

    root: Path
    platform: str
    settings: StackSettings
    fleet: Fleet
    shards: list[str]  # shard ids, in order
    assignment: dict[str, str]  # agent -> shard id

    def stack(self, shard: str) -> str:
        return shards.stack_name(self.platform, shard)

    def agents_of(self, shard: str) -> list[Any]:
        return [a for a in self.fleet.agents if self.assignment[a.name] == shard]

    def fingerprint(self, stack: str) -> str:
        if stack == self.platform:
            return shards.platform_fingerprint(self.root, self.platform, self.fleet)
        shard = stack.removeprefix(f"{self.platform}-")
        return shards.shard_fingerprint(self.root, self.platform, shard, self.fleet, self.agents_of(shard))

    def needed_secrets(self, shard: str) -> set[str]:
        keys = {use.key for a in self.agents_of(shard) for use in a.config_secrets} | {TOKEN_KEY_CONFIG}
        return keys | ({"databaseUrl"} if self.settings.database else set())


def load_environment(root: Path, platform: str) -> Environment:
    """Every problem of the fleet and the platform's settings at once, before any stack runs."""
    plain = shards.plain_config(shards.stack_file(root, platform))
    if not shards.stack_file(root, platform).exists():
        raise CliError(f"Pulumi.{platform}.yaml: no such stack file; a platform stack needs one with "
                       f"{PROJECT}:sharding")
    try:
        fleet = load_fleet([root / str(plain.get("agentsDir", "agents"))])
    except FleetError as exc:
        raise CliError(f"{exc.render()}\n{len(exc.problems)} problem(s); nothing was deployed in any stack") from None
    agent_keys = {use.key for a in fleet.agents for use in a.config_secrets}
    try:
        settings = parse_settings({k: v for k, v in plain.items() if k not in agent_keys}, platform)
    except SettingsError as exc:
        raise CliError(f"{exc}\nnothing was deployed in any stack") from None
    if settings.sharding is None:
        raise CliError(f"Pulumi.{platform}.yaml: {PROJECT}:sharding: not set, so {platform} is not a platform "
                       "stack (e.g. `pulumi config set --path sharding.by hash` and `sharding.count 4`)")
    if settings.platform or settings.shard:
        raise CliError(f"Pulumi.{platform}.yaml: {PROJECT}:platform: {platform} is a shard stack, not a platform")
    ids = shards.shard_ids(settings.sharding, fleet)
    return Environment(root, platform, settings, fleet, ids, shards.assign(fleet, settings.sharding))


@dataclass
class Status:
    """The environment against the deployed stacks."""

    env: Environment
    existing: set[str]
    deployed: dict[str, Deployed]  # stack -> its state (existing stacks of this platform only)
    plan: shards.ShardPlan = field(init=False)

    def __post_init__(self) -> None:
        held = {stack.removeprefix(f"{self.env.platform}-"): set(d.agents) for stack, d in self.deployed.items()
                if stack != self.env.platform}
        self.plan = shards.plan(self.env.assignment, held)

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
        return deployed is None or deployed.outputs.get("fingerprint") != self.env.fingerprint(stack)

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
        raise CliError("\n".join(problems) + "\nnothing was deployed in any stack")


def run_parallel(
    pulumi: Pulumi, jobs: Sequence[tuple[str, Sequence[str]]], parallel: int, label: str
) -> list[Result]:
    """Run `pulumi <args>` per stack, `parallel` at a time; one line per finished stack."""
    results: list[Result] = []
    if not jobs:
        return results
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {pool.submit(pulumi.run, *args): stack for stack, args in jobs}
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            state = "ok" if result.code == 0 else f"FAILED ({result.code})"
            print(f"{label:<8} {futures[future]:<32} {state:<12} {result.seconds:6.1f} s", flush=True)
            if result.code != 0:
                print(result.output[-6000:], file=sys.stderr, flush=True)
    return results


def _failed(results: Sequence[Result]) -> bool:
    return any(r.code != 0 for r in results)


def _extra(args: argparse.Namespace) -> list[str]:
    if not args.policy_pack_config:
        return []
    return ["--policy-pack", str(args.root / "policies"), "--policy-pack-config", args.policy_pack_config]


def _setup(args: argparse.Namespace) -> tuple[Environment, Pulumi, Status]:
    env = load_environment(args.root, args.stack)
    pulumi = Pulumi(args.root)
    return env, pulumi, read_status(env, pulumi, _parallel(args, env))


def _parallel(args: argparse.Namespace, env: Environment) -> int:
    assert env.settings.sharding is not None
    return int(args.parallel or env.settings.sharding.parallel)


def cmd_list(args: argparse.Namespace) -> int:
    env, _, status = _setup(args)
    sharding = env.settings.sharding
    assert sharding is not None
    how = f"hash, {sharding.count} shard(s)" if sharding.by == "hash" else f"tenant, {len(env.shards)} shard(s)"
    print(f"platform {env.platform} ({how}): {len(env.fleet.agents)} agent(s); "
          f"{'changed' if status.changed(env.platform) else 'up to date'}")
    print(f"{'shard stack':<32} {'agents':>6} {'deployed':>8}  status")
    for shard in env.shards:
        stack = env.stack(shard)
        deployed = status.deployed.get(stack)
        if stack not in status.existing:
            state = f"missing: `python -m launchpad shards create --stack {env.platform}`"
        else:
            state = "changed" if status.changed(stack) else "up to date"
        count = str(len(deployed.agents)) if deployed else "-"
        print(f"{stack:<32} {len(env.agents_of(shard)):>6} {count:>8}  {state}")
    for stack in status.retired:
        print(f"{stack:<32} {0:>6} {len(status.deployed[stack].agents):>8}  retired (no longer a shard)")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    env, pulumi, status = _setup(args)
    plain = [k for k, v in pulumi.config(env.platform).items() if not v.get("secret")]
    for shard in env.shards:
        stack = env.stack(shard)
        if stack in status.existing:
            pulumi.check("config", "cp", "--stack", env.platform, "--dest", stack)
            verb = "refreshed"
        else:
            pulumi.check("stack", "init", stack, "--copy-config-from", env.platform, "--no-select")
            verb = "created"
        # The copy brought the platform's plain settings too; a shard reads them from the platform's file.
        if plain:
            pulumi.check("config", "rm-all", "--stack", stack, *plain)
        pulumi.check("config", "set", "platform", env.platform, "--stack", stack)
        pulumi.check("config", "set", "shard", shard, "--stack", stack)
        print(f"{verb:<9} {stack} ({len(env.agents_of(shard))} agent(s)): Pulumi.{stack}.yaml")
    return 0


def plan_data(status: Status, everything: bool) -> dict[str, Any]:
    """Lists of stack names per phase, in the order `up` runs them: a CI workflow's job matrices."""
    env = status.env
    return {
        "release": sorted(status.releasing()),
        "platform": [env.platform] if everything or status.changed(env.platform) else [],
        "shards": status.to_update(everything),
        "retire": status.retired,
        "moves": {agent: [env.stack(a), env.stack(b)] for agent, (a, b) in sorted(status.plan.moves.items())},
        "leaving": {s: sorted(urn.rsplit("::", 1)[1] for urn in urns) for s, urns in status.releasing().items()},
    }


def cmd_plan(args: argparse.Namespace) -> int:
    if not shards.plain_config(shards.stack_file(args.root, args.stack)).get("sharding"):
        # Not sharded: the stack is the whole fleet; CI runs it as the platform phase, alone.
        data: dict[str, Any] = {"release": [], "platform": [args.stack], "shards": [], "retire": [], "moves": {},
                                "leaving": {}}
        print(json.dumps(data) if args.json else f"{args.stack} is not sharded: one stack, `pulumi up --stack "
              f"{args.stack}`")
        return 0
    _, _, status = _setup(args)
    if status.missing:
        raise CliError("\n".join(f"{s}: no such stack: `python -m launchpad shards create --stack {args.stack}` and "
                                 f"commit Pulumi.{s}.yaml" for s in status.missing))
    data = plan_data(status, args.all)
    if args.json:
        print(json.dumps(data))
        return 0
    print(f"platform {args.stack}: {'update' if data['platform'] else 'up to date'}")
    for stack, agents in data["leaving"].items():
        print(f"release  {stack}: {', '.join(agents)}")
    for agent, (src, dst) in data["moves"].items():
        print(f"move     {agent}: {src} -> {dst}")
    print(f"update   {len(data['shards'])} of {len(status.shard_stacks)} shard stack(s): "
          f"{', '.join(data['shards']) or 'none'}")
    for stack in data["retire"]:
        print(f"retire   {stack}")
    return 0


def _only(stacks: Sequence[str], only: str | None) -> list[str]:
    return [s for s in stacks if only is None or s == only]


def release(status: Status, pulumi: Pulumi, parallel: int, only: str | None = None) -> bool:
    jobs = []
    for stack, urns in status.releasing().items():
        if stack in _only([stack], only):
            targets = [arg for urn in urns for arg in ("--target", urn)]
            jobs.append((stack, ["destroy", "--stack", stack, "--yes", "--skip-preview", "--target-dependents",
                                 *targets]))
    return not _failed(run_parallel(pulumi, jobs, parallel, "release"))


def retire(status: Status, pulumi: Pulumi, parallel: int, only: str | None = None) -> bool:
    stacks = _only(status.retired, only)
    if _failed(run_parallel(pulumi, [(s, ["destroy", "--stack", s, "--yes", "--skip-preview"]) for s in stacks],
                            parallel, "retire")):
        return False
    for stack in stacks:
        pulumi.check("stack", "rm", stack, "--yes")
    return True


def cmd_release(args: argparse.Namespace) -> int:
    env, pulumi, status = _setup(args)
    return 0 if release(status, pulumi, _parallel(args, env), args.only) else 1


def cmd_retire(args: argparse.Namespace) -> int:
    env, pulumi, status = _setup(args)
    if status.plan.leaving and args.only is None:
        raise CliError("agents still have to be released first: `python -m launchpad shards release`")
    return 0 if retire(status, pulumi, _parallel(args, env), args.only) else 1


def _stack_jobs(command: str, stacks: Sequence[str], extra: list[str]) -> list[tuple[str, list[str]]]:
    flags = ["--yes", "--skip-preview"] if command == "up" else []
    return [(s, [command, "--stack", s, *flags, *extra]) for s in stacks]


def cmd_preview(args: argparse.Namespace) -> int:
    env, pulumi, status = _setup(args)
    parallel = _parallel(args, env)
    stacks = _only(([env.platform] if args.all or status.changed(env.platform) else []) + status.to_update(args.all),
                   args.only)
    check_shard_stacks(status, pulumi, [s for s in stacks if s != env.platform], parallel)
    extra = [*_extra(args), *(["--expect-no-changes"] if args.expect_no_changes else [])]
    results = run_parallel(pulumi, _stack_jobs("preview", stacks, extra), parallel, "preview")
    if not stacks:
        print(f"nothing changed since the last up of {env.platform} and its shards")
    return 1 if _failed(results) else 0


def cmd_up(args: argparse.Namespace) -> int:
    env, pulumi, status = _setup(args)
    parallel = _parallel(args, env)
    updates = status.to_update(args.all)
    check_shard_stacks(status, pulumi, updates, parallel)
    for agent, (src, dst) in sorted(status.plan.moves.items()):
        print(f"move     {agent}: {env.stack(src)} -> {env.stack(dst)}")
    if not release(status, pulumi, parallel):
        print("release failed: no shard was updated, so no agent can run twice", file=sys.stderr)
        return 1
    phases: list[tuple[str, Callable[[], bool]]] = [
        ("platform", lambda: not _failed(run_parallel(
            pulumi, _stack_jobs("up", [env.platform] if args.all or status.changed(env.platform) else [],
                                _extra(args)), 1, "up"))),
        ("shards", lambda: not _failed(run_parallel(pulumi, _stack_jobs("up", updates, _extra(args)), parallel, "up"))),
        ("retire", lambda: retire(status, pulumi, parallel)),
    ]
    for name, phase in phases:
        if not phase():
            print(f"{name} failed: the later phases did not run", file=sys.stderr)
            return 1
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("shards", help="list, create, plan, preview and update a sharded fleet's stacks",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="shards_command", required=True)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "list": cmd_list, "create": cmd_create, "plan": cmd_plan, "preview": cmd_preview, "up": cmd_up,
        "release": cmd_release, "retire": cmd_retire,
    }
    for name, handler in handlers.items():
        command = commands.add_parser(name)
        command.add_argument("--stack", required=True, help="the platform stack")
        command.add_argument("--root", type=Path, default=Path.cwd(), help="the project directory")
        command.add_argument("--parallel", type=int, help="stacks at once (default: the sharding setting)")
        if name in ("plan", "preview", "up"):
            command.add_argument("--all", action="store_true", help="every shard, changed or not")
        if name in ("preview", "release", "retire"):
            command.add_argument("--only", help="this stack only (a CI matrix job)")
        if name in ("preview", "up"):
            command.add_argument("--policy-pack-config", help="run the policy pack (policies/) with this config")
        if name == "plan":
            command.add_argument("--json", action="store_true", help="machine-readable, for CI")
        if name == "preview":
            command.add_argument("--expect-no-changes", action="store_true", help="fail if any stack would change")
        command.set_defaults(func=_guarded(handler))


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (CliError, PulumiError) as exc:
            print(exc, file=sys.stderr)
            return 1

    return run
