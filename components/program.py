"""The Pulumi program, step by step: read stack config, load and validate the fleet, check every secret it
needs exists, and only then declare resources. Any problem stops the program before the first resource is
registered, so an invalid fleet changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pulumi
import pulumi_kubernetes as k8s

from components import cluster_apply, stack_config
from components.eliza_agent import Registrar
from components.fleet import FleetArgs, deploy_fleet
from components.monitoring_stack import MonitoringStack, MonitoringStackArgs
from components.supabase_schema import AgentRegistration, SupabaseSchema, SupabaseSchemaArgs
from launchpad.monitoring.settings import MonitoringSettings, parse_monitoring
from launchpad.scan.allowlist import AllowlistError, load_allowlist
from launchpad.scan.database import database_problem
from launchpad.scan.trivy import find_trivy, missing_trivy_message
from launchpad.settings import PROJECT, SettingsError, StackSettings, parse_settings
from launchpad.spec import Fleet, FleetError, Problem, load_fleet
from launchpad.spec.fleet import Agent
from launchpad.views import agent_record
from launchpad.workloads.auth_token import TOKEN_KEY_CONFIG

BUILD_ROOT = Path("build")


def _fail(message: str) -> NoReturn:
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


def _missing_setting_secrets(keys: dict[str, str], secret_keys: set[str], stack: str) -> list[str]:
    """Secrets that stack settings name (setting path -> config key) but that are not set as secrets."""
    return [
        f"Pulumi.{stack}.yaml: {PROJECT}:{path}: names config key {key}, which is not set as a secret: "
        f"`pulumi config set --secret {key} <value> --stack {stack}`"
        for path, key in sorted(keys.items())
        if key not in secret_keys
    ]


def load() -> tuple[Fleet, StackSettings, MonitoringSettings]:
    """Fleet and settings, or a RunError listing every problem."""
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
        monitoring = parse_monitoring(settings.monitoring, stack)
    except SettingsError as exc:
        _fail(f"stack config is invalid; nothing was changed:\n{exc}")
    needed = {f"monitoring.receivers.{sev}.urlSecret": key for sev, key in monitoring.secret_keys().items()}
    needed[TOKEN_KEY_CONFIG] = TOKEN_KEY_CONFIG  # every agent's API token is derived from it
    if settings.database:
        needed["database"] = "databaseUrl"
    missing = _missing_setting_secrets(needed, secret_keys, stack)
    if missing:
        _fail("secrets are missing; nothing was changed:\n" + "\n".join(missing))
    _check_scan_gate(settings, fleet, stack)
    return fleet, settings, monitoring


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


def _registry(settings: StackSettings) -> Registrar | None:
    """The control-plane schema, and a registrar that gives each agent its `agents` row after it."""
    if not settings.database:
        return None
    url = stack_config.secret("databaseUrl")
    assert url is not None  # load() refused a stack with `database: true` and no databaseUrl secret
    schema = SupabaseSchema("control-plane", SupabaseSchemaArgs(database_url=url))

    def register(agent: Agent, parent: pulumi.Resource) -> pulumi.Resource:
        return AgentRegistration(f"{agent.name}-registry", url, agent_record(agent),
                                 pulumi.ResourceOptions(parent=parent, depends_on=[schema]),
                                 create_owner=settings.databaseCreateOwners)

    return register


def _required_secret(key: str) -> pulumi.Output[str]:
    value = stack_config.secret(key)
    assert value is not None  # load() refused a stack without it
    return value


def run() -> None:
    fleet, settings, monitoring = load()
    cluster_apply.register(settings)
    opts = None
    if settings.renderDir:
        provider = k8s.Provider("render", render_yaml_to_directory=str(Path(settings.renderDir).resolve()))
        opts = pulumi.ResourceOptions(providers=[provider])
    config_secrets = {use.key: stack_config.secret(use.key) for a in fleet.agents for use in a.config_secrets}
    fleet_args = FleetArgs(
        fleet=fleet,
        settings=settings,
        config_secrets={k: v for k, v in config_secrets.items() if v is not None},
        build_root=BUILD_ROOT,
        registry_password=stack_config.secret("registryPassword"),
        registrar=_registry(settings),
        token_key=_required_secret(TOKEN_KEY_CONFIG),
    )
    agents = deploy_fleet(fleet_args, opts)
    receiver_urls = {sev: stack_config.secret(key) for sev, key in monitoring.secret_keys().items()}
    monitoring_args = MonitoringStackArgs(
        fleet=pulumi.get_stack(),
        settings=monitoring,
        receiver_urls={sev: url for sev, url in receiver_urls.items() if url is not None},
    )
    MonitoringStack("monitoring", monitoring_args, opts)
    outputs = {"namespace": "namespace", "deployment": "deployment_name", "serviceDns": "service_dns", "image": "image"}
    pulumi.export("agents", {name: {k: getattr(a, attr) for k, attr in outputs.items()} for name, a in agents.items()})
    pulumi.export("summary", fleet.summary())
