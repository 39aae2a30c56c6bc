"""The Pulumi program, step by step: read stack config, load and validate the fleet, check every secret it
needs exists, and only then declare resources. Any problem stops the program before the first resource is
registered, so an invalid fleet changes nothing."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components import stack_config
from components.fleet import FleetArgs, deploy_fleet
from launchpad.settings import PROJECT, SettingsError, StackSettings, parse_settings
from launchpad.spec import Fleet, FleetError, Problem, load_fleet

BUILD_ROOT = Path("build")


def _fail(message: str) -> None:
    # RunError prints the message alone, without a Python traceback: the user needs the FILE:LINE list.
    raise pulumi.RunError(message)


def _missing_secrets(fleet: Fleet, secret_keys: set[str], plain_keys: set[str], stack: str) -> list[Problem]:
    problems = []
    for agent in fleet.agents:
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


def load() -> tuple[Fleet, StackSettings, set[str]]:
    """Fleet, settings and secret config keys, or a RunError listing every problem."""
    stack = pulumi.get_stack()
    plain, secret_keys = stack_config.project_config()
    try:
        fleet = load_fleet([Path(str(plain.get("agentsDir", "agents")))])
    except FleetError as exc:
        _fail(f"the fleet is invalid; nothing was changed:\n{exc.render()}")
    problems = _missing_secrets(fleet, secret_keys, set(plain), stack)
    if problems:
        _fail("secrets are missing; nothing was changed:\n" + "\n".join(str(p) for p in problems))
    agent_keys = {use.key for agent in fleet.agents for use in agent.config_secrets}
    try:
        settings = parse_settings({k: v for k, v in plain.items() if k not in agent_keys}, stack)
    except SettingsError as exc:
        _fail(f"stack config is invalid; nothing was changed:\n{exc}")
    return fleet, settings, secret_keys


def run() -> None:
    fleet, settings, _ = load()
    opts = None
    if settings.renderDir:
        provider = k8s.Provider("render", render_yaml_to_directory=str(Path(settings.renderDir).resolve()))
        opts = pulumi.ResourceOptions(providers=[provider])
    config_secrets = {use.key: stack_config.secret(use.key) for a in fleet.agents for use in a.config_secrets}
    agents = deploy_fleet(
        FleetArgs(
            fleet=fleet,
            settings=settings,
            config_secrets={k: v for k, v in config_secrets.items() if v is not None},
            build_root=BUILD_ROOT,
            registry_password=stack_config.secret("registryPassword"),
        ),
        opts,
    )
    pulumi.export(
        "agents",
        {
            name: {
                "namespace": a.namespace,
                "deployment": a.deployment_name,
                "serviceDns": a.service_dns,
                "image": a.image,
            }
            for name, a in agents.items()
        },
    )
    pulumi.export("summary", fleet.summary())
