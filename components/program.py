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

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

import pulumi
import pulumi_kubernetes as k8s

from components import cluster_apply, platform_stack, shard_stack, stack_config
from components.control_plane import control_plane_secret_keys, deploy_control_plane
from components.fleet import FleetArgs, deploy_shared
from components.lean_state import trim_stack_traces
from launchpad.contracts import PROJECT, SUMMARY_OUTPUT
from launchpad.db.repository.fleet_api_agents import FleetApiAgents, read_fleet_api_agents, read_preview_candidate
from launchpad.errors import UserError
from launchpad.fleet import Fleet, FleetError, load_fleet
from launchpad.scan.allowlist import AllowlistError, load_allowlist
from launchpad.scan.database import database_problem
from launchpad.scan.trivy import find_trivy, missing_trivy_message
from launchpad.sealed import CONFIG_KEY as SEALING_KEY
from launchpad.sealed import parse_keyring, unseal
from launchpad.settings import SettingsError, StackSettings, wants_database
from launchpad.stacks.needs import DATABASE_URL_CONFIG, StackNeeds, shard_settings, stack_needs
from launchpad.workloads.agent_objects import stored_secret_env
from launchpad.workloads.auth_token import TOKEN_KEY_CONFIG

BUILD_ROOT = Path("build")
# Set by the deployer for a dry-run operation's `preview`: the operation whose candidate agent replaces the
# fleet's (CONTRACT.md, operations.candidate). Never honoured by an `up`.
PREVIEW_OPERATION_ENV = "LAUNCHPAD_PREVIEW_OPERATION"
PREVIEW_PLACEHOLDER = "<value posted with the request: not stored by a dry run>"


def _fail(message: str) -> NoReturn:
    # RunError prints the message alone, without a Python traceback: the user needs the FILE:LINE list.
    raise pulumi.RunError(message)


def load() -> tuple[StackNeeds, dict[str, dict[str, str]]]:
    """Fleet, settings and this stack's role and agents (launchpad/stacks/needs.py), and the opened values of
    its API agents' stored secrets (agent -> env -> value: to be wrapped as Pulumi secrets at once), or a
    RunError listing every problem."""
    stack = pulumi.get_stack()
    plain, secret_keys = stack_config.project_config()
    try:
        effective = shard_settings(Path.cwd(), plain, stack)
    except UserError as exc:
        _fail(f"stack config is invalid; nothing was changed:\n{exc.render()}")
    from_api = _api_agents(effective, stack)
    try:
        fleet = load_fleet([Path(str(effective.get("agentsDir", "agents")))], api_agents=from_api.agents)
    except FleetError as exc:
        _fail(f"the fleet is invalid; nothing was changed:\n{exc.render()}")
    try:
        needs = stack_needs(fleet, effective, stack)
    except SettingsError as exc:
        _fail(f"stack config is invalid; nothing was changed:\n{exc.render()}")
    except UserError as exc:
        _fail(exc.render())
    missing = [n.missing(stack, n.key in plain) for n in needs.secrets if n.key not in secret_keys]
    if missing:
        _fail("secrets are missing; nothing was changed:\n" + "\n".join(dict.fromkeys(missing)))
    if needs.role != "shard":  # images are built and scanned with the shared objects
        _check_scan_gate(needs.settings, fleet, stack)
    return needs, _opened(needs, from_api)


def _api_agents(effective: Mapping[str, object], stack: str) -> FleetApiAgents:
    """The agents created through the API for this fleet (launchpad/db/repository/fleet_api_agents.py), with a
    dry run's candidate in place of its agent. A stack with a database that cannot be read fails: it would
    delete the agents it could not see."""
    if not wants_database(effective):
        return FleetApiAgents([], [])
    url = stack_config.secret_value(DATABASE_URL_CONFIG)
    if not url:
        return FleetApiAgents([], [])  # load() reports the missing databaseUrl secret
    fleet = str(effective.get("platform") or stack)
    try:
        found = read_fleet_api_agents(url, fleet)
        operation = os.environ.get(PREVIEW_OPERATION_ENV)
        if operation:
            if not pulumi.runtime.is_dry_run():
                _fail(f"{PREVIEW_OPERATION_ENV} is set: a dry-run operation is previewed, never applied by `up`")
            name, candidate = read_preview_candidate(url, operation, [stack])
            agents = [a for a in found.agents if a.name != name] + ([candidate] if candidate else [])
            found = FleetApiAgents(sorted(agents, key=lambda a: a.name), found.sealed)
    except UserError as exc:
        _fail(f"cannot read the agents created through the API, so nothing was changed (an `up` that cannot see "
              f"them would delete them):\n{exc.render()}")
    return found


def _opened(needs: StackNeeds, from_api: FleetApiAgents) -> dict[str, dict[str, str]]:
    """Agent -> env -> value of the stored secrets of the API agents this stack runs, opened with the
    `apiSecretsKey` keyring (launchpad/sealed.py). In a dry run's preview a value the request posted is not
    stored: a placeholder stands for it."""
    wanted = {a.name: stored_secret_env(a) for a in needs.agents if a.source == "api" and stored_secret_env(a)}
    if not wanted:
        return {}
    key_text = stack_config.secret_value(SEALING_KEY)
    assert key_text is not None  # load() refused a stack without it (launchpad/stacks/needs.py)
    opened: dict[str, dict[str, str]] = {name: {} for name in wanted}
    try:
        keyring = parse_keyring(key_text, f"Pulumi.{pulumi.get_stack()}.yaml: {PROJECT}:{SEALING_KEY}")
        for value in from_api.sealed:
            if value.env_name in wanted.get(value.agent, ()):
                opened[value.agent][value.env_name] = unseal(
                    keyring, value.key_id, value.ciphertext, value.user_id, value.agent, value.env_name
                )
    except UserError as exc:
        _fail(f"secrets of agents created through the API cannot be opened; nothing was changed:\n{exc.render()}")
    previewing = bool(os.environ.get(PREVIEW_OPERATION_ENV))
    lost = [f"api:{name}: secrets.{env}: its value is not stored; have its owner post it again"
            for name, envs in wanted.items() for env in envs if env not in opened[name] and not previewing]
    if lost:
        _fail("secrets are missing; nothing was changed:\n" + "\n".join(lost))
    for name, envs in wanted.items():
        for env in envs:
            opened[name].setdefault(env, PREVIEW_PLACEHOLDER)
    return opened


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
    loaded, stored = load()
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
        # Opened values go straight into secret Outputs: plaintext in this process only, never in the state.
        stored_secrets={name: {env: pulumi.Output.secret(value) for env, value in values.items()}
                        for name, values in stored.items()},
        build_root=BUILD_ROOT,
        registry_password=stack_config.secret("registryPassword"),
        token_key=_required_secret(TOKEN_KEY_CONFIG),
    )
    if loaded.role != "shard":  # the control plane lives with the shared objects: the platform, or the only stack
        control_plane_secrets = {key: _required_secret(key) for key in control_plane_secret_keys(loaded.settings)}
        deploy_control_plane(loaded.settings, pulumi.get_stack(), control_plane_secrets, BUILD_ROOT,
                             fleet_args.registry_password, opts)
    if loaded.role == "shard":
        shard_stack.run(loaded, fleet_args, opts)
    elif loaded.role == "platform":
        platform_stack.run(loaded, fleet_args, opts)
    else:  # the whole fleet in this stack: the platform's objects and every agent
        shared = deploy_shared(fleet_args, opts)
        schema, _ = platform_stack.deploy_database(loaded, opts)
        shard_stack.deploy(loaded, fleet_args, shared, opts, pulumi.ResourceOptions(depends_on=schema))
        platform_stack.deploy_monitoring(loaded, opts)
    pulumi.export(SUMMARY_OUTPUT, loaded.fleet.summary())
