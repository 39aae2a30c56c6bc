"""The Pulumi program, step by step: read stack config, load and validate the fleet, check every secret it
needs exists, and only then declare resources. Any problem stops the program before the first resource is
registered, so an invalid fleet changes nothing.

A stack plays one of three roles (docs/architecture.md, "Stacks and shards"):
- fleet: the whole fleet in one stack (the dev stack);
- platform: a stack with a `sharding` setting holds what the agents share (components/platform_stack.py);
- shard: a stack with `platform` and `shard` settings runs its share of the agents
  (components/shard_stack.py). Every role loads and validates the WHOLE fleet, so an invalid agent file
  stops every stack, whichever shard it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pulumi
import pulumi_kubernetes as k8s

from components import cluster_apply, platform_stack, shard_stack, stack_config
from components.fleet import FleetArgs, deploy_shared
from components.lean_state import trim_stack_traces
from launchpad.fleet import Fleet, FleetError, Problem, load_fleet
from launchpad.fleet.resolved import Agent
from launchpad.monitoring.settings import MonitoringSettings, parse_monitoring
from launchpad.scan.allowlist import AllowlistError, load_allowlist
from launchpad.scan.database import database_problem
from launchpad.scan.trivy import find_trivy, missing_trivy_message
from launchpad.settings import PROJECT, SettingsError, StackSettings, parse_settings
from launchpad.stacks import assignment as shards
from launchpad.workloads.auth_token import TOKEN_KEY_CONFIG

BUILD_ROOT = Path("build")


def _fail(message: str) -> NoReturn:
    # RunError prints the message alone, without a Python traceback: the user needs the FILE:LINE list.
    raise pulumi.RunError(message)


@dataclass(frozen=True)
class Loaded:
    fleet: Fleet
    settings: StackSettings
    monitoring: MonitoringSettings
    role: str  # "fleet", "platform" or "shard"
    agents: tuple[Agent, ...]  # the agents this stack runs: all of them, none (platform), or its shard's


def _missing_secrets(
    agents: tuple[Agent, ...], secret_keys: set[str], plain_keys: set[str], stack: str
) -> list[Problem]:
    problems = []
    for agent in agents:
        for use in agent.config_secrets:
            if use.key in secret_keys:
                continue
            how = "is set in plaintext; set it again with --secret" if use.key in plain_keys else "is not set"
            problems.append(
                Problem(
                    use.file,
                    use.line,
                    f"secrets.{use.env_name}",
                    f"config key {PROJECT}:{use.key} {how}: "
                    f"`pulumi config set --secret {use.key} <value> --stack {stack}`",
                )
            )
    return problems


def _missing_setting_secrets(keys: dict[str, str], secret_keys: set[str], stack: str) -> list[str]:
    """Secrets that stack settings name (setting path -> config key) but that are not set as secrets."""
    return [
        f"Pulumi.{stack}.yaml: {PROJECT}:{path}: names config key {key}, which is not set as a secret: "
        f"`pulumi config set --secret {key} <value> --stack {stack}`"
        for path, key in sorted(keys.items())
        if key not in secret_keys
    ]


def _stack_settings(plain: dict[str, Any], stack: str) -> dict[str, Any]:
    """A shard stack's settings are its platform's (read from Pulumi.<platform>.yaml) plus its own
    `platform` and `shard`; any other plain setting in the shard's file is refused, so there is one place
    to change a setting."""
    platform = plain.get("platform")
    if not platform:
        return plain
    extra = sorted(k for k in plain if k not in shards.SHARD_KEYS)
    if extra:
        _fail("stack config is invalid; nothing was changed:\n" + "\n".join(
            f"Pulumi.{stack}.yaml: {PROJECT}:{key}: a shard stack takes its settings from its platform stack "
            f"(Pulumi.{platform}.yaml); remove it here" for key in extra
        ))
    own = shards.plain_config(shards.stack_file(Path.cwd(), str(platform)))
    if not own.get("sharding"):
        _fail(f"Pulumi.{stack}.yaml: {PROJECT}:platform: Pulumi.{platform}.yaml has no {PROJECT}:sharding "
              "setting, so it is not a platform stack")
    return {**own, **{k: plain[k] for k in shards.SHARD_KEYS if k in plain}}


def _role_agents(fleet: Fleet, settings: StackSettings, stack: str) -> tuple[str, tuple[Agent, ...]]:
    if settings.platform is None:
        return ("platform", ()) if settings.sharding else ("fleet", fleet.agents)
    assert settings.sharding is not None  # _stack_settings refused a platform without it
    known = shards.shard_ids(settings.sharding, fleet)
    if settings.shard not in known:
        _fail(
            f"Pulumi.{stack}.yaml: {PROJECT}:shard: {settings.shard!r} is not a shard of {settings.platform} "
            f"(by {settings.sharding.by}: {', '.join(known) or 'none'}); "
            f"`python -m launchpad shards up --stack {settings.platform}` retires a shard that is no longer used"
        )
    return "shard", tuple(a for a in fleet.agents if shards.shard_of(a, settings.sharding) == settings.shard)


def load() -> Loaded:
    """Fleet, settings and this stack's role and agents, or a RunError listing every problem."""
    stack = pulumi.get_stack()
    plain, secret_keys = stack_config.project_config()
    plain = _stack_settings(plain, stack)
    try:
        fleet = load_fleet([Path(str(plain.get("agentsDir", "agents")))])
    except FleetError as exc:
        _fail(f"the fleet is invalid; nothing was changed:\n{exc.render()}")
    agent_keys = {use.key for agent in fleet.agents for use in agent.config_secrets}
    try:
        settings = parse_settings({k: v for k, v in plain.items() if k not in agent_keys}, stack)
        monitoring = parse_monitoring(settings.monitoring, stack)
    except SettingsError as exc:
        _fail(f"stack config is invalid; nothing was changed:\n{exc}")
    role, agents = _role_agents(fleet, settings, stack)
    # A platform runs no agent, but its config is where `shards create` copies the shards' secrets from.
    problems = _missing_secrets(fleet.agents if role == "platform" else agents, secret_keys, set(plain), stack)
    if problems:
        _fail("secrets are missing; nothing was changed:\n" + "\n".join(str(p) for p in problems))
    needed = {}
    if role != "shard":  # the monitoring receivers live with the shared objects
        needed = {f"monitoring.receivers.{sev}.urlSecret": key for sev, key in monitoring.secret_keys().items()}
    needed[TOKEN_KEY_CONFIG] = TOKEN_KEY_CONFIG  # every agent's API token is derived from it
    if settings.database:
        needed["database"] = "databaseUrl"
    missing = _missing_setting_secrets(needed, secret_keys, stack)
    if missing:
        _fail("secrets are missing; nothing was changed:\n" + "\n".join(missing))
    if role != "shard":  # images are built and scanned with the shared objects
        _check_scan_gate(settings, fleet, stack)
    return Loaded(fleet, settings, monitoring, role, agents)


def _check_scan_gate(settings: StackSettings, fleet: Fleet, stack: str) -> None:
    """A stack that builds and scans images needs Trivy and a readable allowlist: say so at preview, not
    halfway through an `up`."""
    if not (settings.scan and settings.imageBuild == "docker" and fleet.images()):
        return
    if find_trivy() is None:
        _fail(f"Pulumi.{stack}.yaml: {PROJECT}:scan: " + missing_trivy_message(next(iter(fleet.images()))))
    problem = database_problem(settings.scanCacheDir) if settings.scanCacheDir else None
    if problem:
        _fail(f"Pulumi.{stack}.yaml: {PROJECT}:scanCacheDir: {problem}")
    if settings.scanAllowlist:
        try:
            load_allowlist(settings.scanAllowlist)
        except (OSError, AllowlistError) as exc:
            _fail(f"Pulumi.{stack}.yaml: {PROJECT}:scanAllowlist: {exc}")


def _required_secret(key: str) -> pulumi.Output[str]:
    value = stack_config.secret(key)
    assert value is not None  # load() refused a stack without it
    return value


def run() -> None:
    trim_stack_traces(Path.cwd())
    loaded = load()
    cluster_apply.register(loaded.settings)
    opts = pulumi.ResourceOptions()
    if loaded.settings.renderDir:
        provider = k8s.Provider("render", render_yaml_to_directory=str(Path(loaded.settings.renderDir).resolve()))
        opts = pulumi.ResourceOptions(providers=[provider])
    config_secrets = {use.key: stack_config.secret(use.key) for a in loaded.agents for use in a.config_secrets}
    fleet_args = FleetArgs(
        fleet=loaded.fleet,
        settings=loaded.settings,
        config_secrets={k: v for k, v in config_secrets.items() if v is not None},
        build_root=BUILD_ROOT,
        registry_password=stack_config.secret("registryPassword"),
        token_key=_required_secret(TOKEN_KEY_CONFIG),
    )
    if loaded.role == "shard":
        shard_stack.run(loaded, fleet_args, opts)
    elif loaded.role == "platform":
        platform_stack.run(loaded, fleet_args, opts)
    else:  # the whole fleet in this stack: the platform's objects and every agent
        shared = deploy_shared(fleet_args, opts)
        schema, _ = platform_stack.deploy_database(loaded, opts)
        shard_stack.deploy(loaded, fleet_args, shared, opts, pulumi.ResourceOptions(depends_on=schema))
        platform_stack.deploy_monitoring(loaded, opts)
    pulumi.export("summary", loaded.fleet.summary())
