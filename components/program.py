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

from pathlib import Path
from typing import NoReturn

import pulumi
import pulumi_kubernetes as k8s

from components import cluster_apply, platform_stack, shard_stack, stack_config
from components.control_plane import control_plane_secret_keys, deploy_control_plane
from components.fleet import FleetArgs, deploy_shared
from components.lean_state import trim_stack_traces
from launchpad.contracts import PROJECT, SUMMARY_OUTPUT
from launchpad.errors import UserError
from launchpad.fleet import Fleet, FleetError, load_fleet
from launchpad.scan.allowlist import AllowlistError, load_allowlist
from launchpad.scan.database import database_problem
from launchpad.scan.trivy import find_trivy, missing_trivy_message
from launchpad.settings import SettingsError, StackSettings
from launchpad.stacks.needs import StackNeeds, shard_settings, stack_needs
from launchpad.workloads.auth_token import TOKEN_KEY_CONFIG

BUILD_ROOT = Path("build")


def _fail(message: str) -> NoReturn:
    # RunError prints the message alone, without a Python traceback: the user needs the FILE:LINE list.
    raise pulumi.RunError(message)


def load() -> StackNeeds:
    """Fleet, settings and this stack's role and agents (launchpad/stacks/needs.py), or a RunError listing
    every problem."""
    stack = pulumi.get_stack()
    plain, secret_keys = stack_config.project_config()
    try:
        effective = shard_settings(Path.cwd(), plain, stack)
    except UserError as exc:
        _fail(f"stack config is invalid; nothing was changed:\n{exc.render()}")
    try:
        fleet = load_fleet([Path(str(effective.get("agentsDir", "agents")))])
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
    return needs


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
