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
from pathlib import Path

from launchpad.contracts import PROJECT
from launchpad.stacks.needs import DATABASE_URL_CONFIG
from launchpad.stacks.pulumi_cli import Pulumi, PulumiError, Result
from launchpad.stacks.stack_files import plain_config, stack_file
from launchpad.stacks.status import (
    Environment,
    Phases,
    StackError,
    Status,
    check_shard_stacks,
    load_environment,
    plan_data,
    read_status,
)


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
    env = load_environment(args.root, args.stack, lambda: _database_url(Pulumi(args.root), args.stack))
    pulumi = Pulumi(args.root)
    return env, pulumi, read_status(env, pulumi, _parallel(args, env))


def _database_url(pulumi: Pulumi, platform: str) -> str:
    """The platform's databaseUrl secret, as its program reads it: where the fleet's API agents are."""
    return pulumi.check("config", "get", DATABASE_URL_CONFIG, "--stack", platform).strip()


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
    """Each shard stack's config: a copy of the platform's, reduced to the shard's identity and the secrets its
    own agents need (another shard's secrets have no business there, and every secret in a stack's config is
    decrypted by each run and kept, encrypted, in the state of its dynamic provider)."""
    env, pulumi, status = _setup(args)
    for shard in env.shards:
        stack = env.stack(shard)
        if stack in status.existing:
            pulumi.check("config", "cp", "--stack", env.platform, "--dest", stack)
            verb = "refreshed"
        else:
            pulumi.check("stack", "init", stack, "--copy-config-from", env.platform, "--no-select")
            verb = "created"
        keep = {f"{PROJECT}:{key}" for key in env.needed_secrets(shard)}
        extra = sorted(set(pulumi.config(stack)) - keep)
        if extra:
            pulumi.check("config", "rm-all", "--stack", stack, *extra)
        pulumi.check("config", "set", "platform", env.platform, "--stack", stack)
        pulumi.check("config", "set", "shard", shard, "--stack", stack)
        print(f"{verb:<9} {stack} ({len(env.agents_of(shard))} agent(s), {len(keep)} secret(s)): Pulumi.{stack}.yaml")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    if not plain_config(stack_file(args.root, args.stack)).get("sharding"):
        # Not sharded: the stack is the whole fleet; CI runs it as the platform phase, alone.
        alone = Phases(platform=[args.stack])
        print(json.dumps(alone.to_json()) if args.json else f"{args.stack} is not sharded: one stack, `pulumi up "
              f"--stack {args.stack}`")
        return 0
    _, _, status = _setup(args)
    if status.missing:
        raise StackError("\n".join(f"{s}: no such stack: `python -m launchpad shards create --stack {args.stack}` and "
                                 f"commit Pulumi.{s}.yaml" for s in status.missing))
    phases = plan_data(status, args.all)
    if args.json:
        print(json.dumps(phases.to_json()))
        return 0
    print(f"platform {args.stack}: {'update' if phases.platform else 'up to date'}")
    for stack, agents in phases.leaving.items():
        print(f"release  {stack}: {', '.join(agents)}")
    for agent, (src, dst) in phases.moves.items():
        print(f"move     {agent}: {src} -> {dst}")
    print(f"update   {len(phases.shards)} of {len(status.shard_stacks)} shard stack(s): "
          f"{', '.join(phases.shards) or 'none'}")
    for stack in phases.retire:
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
        raise StackError("agents still have to be released first: `python -m launchpad shards release`")
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
        except (StackError, PulumiError) as exc:
            print(exc, file=sys.stderr)
            return 1

    return run
