"""What one stack needs, computed once from its plain settings and the fleet: its settings, its role, the
agents it runs and the config secrets it must hold. The Pulumi program (components/program.py) checks a
stack against it before registering anything, and `shards create`/`up` (launchpad/stacks/status.py) give
each shard stack exactly these secrets: one function, so the two can never disagree.

A stack plays one of three roles (docs/architecture.md, "Stacks and shards"):
- fleet: the whole fleet in one stack (the dev stack);
- platform: a stack with a `sharding` setting holds what the agents share;
- shard: a stack with `platform` and `shard` settings runs its share of the agents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from launchpad.contracts import PROJECT
from launchpad.controlplane.manifests import check as check_control_plane
from launchpad.errors import UserError
from launchpad.fleet.resolved import Agent, Fleet
from launchpad.monitoring.settings import MonitoringSettings, parse_monitoring
from launchpad.sealed import CONFIG_KEY as SEALING_KEY
from launchpad.settings import StackSettings, parse_settings
from launchpad.stacks.assignment import shard_ids, shard_of
from launchpad.stacks.stack_files import SHARD_KEYS, plain_config, stack_file
from launchpad.workloads.auth_token import TOKEN_KEY_CONFIG, token_key_problem

Role = Literal["fleet", "platform", "shard"]
DATABASE_URL_CONFIG = "databaseUrl"


@dataclass(frozen=True)
class SecretNeed:
    """A config secret the stack must hold, and who asks for it (an agent file's line, or a stack setting)."""

    key: str
    file: str
    line: int | None  # None: a stack setting (the file is Pulumi.<stack>.yaml)
    field: str

    def missing(self, stack: str, plaintext: bool) -> str:
        """What to do when the stack does not hold it as a secret (`plaintext`: it holds it in the clear)."""
        fix = f"`pulumi config set --secret {self.key} <value> --stack {stack}`"
        if self.line is None:
            return (f"{self.file}: {PROJECT}:{self.field}: names config key {self.key}, which is not set as a "
                    f"secret: {fix}")
        how = "is set in plaintext; set it again with --secret" if plaintext else "is not set"
        return f"{self.file}:{self.line}: {self.field}: config key {PROJECT}:{self.key} {how}: {fix}"


@dataclass(frozen=True)
class StackNeeds:
    fleet: Fleet
    settings: StackSettings
    monitoring: MonitoringSettings
    role: Role
    agents: tuple[Agent, ...]  # the agents this stack runs: all of them, none (platform), or its shard's
    secrets: tuple[SecretNeed, ...]  # every config secret it must hold

    @property
    def secret_keys(self) -> set[str]:
        return {need.key for need in self.secrets}


def secret_value_problems(needs: StackNeeds, values: Mapping[str, str], stack: str) -> list[str]:
    """Secrets the stack holds but that cannot be what they are for: an empty value (an empty model key or
    bot token makes an agent that fails at its first call; an empty token key makes every agent's API token
    computable from its name), a token key that is too short. Said at preview, naming the key, never the value."""
    problems: list[str] = []
    for need in needs.secrets:
        value = values.get(need.key)
        if value is None:
            continue  # missing: said by SecretNeed.missing
        at = f"{need.file}: {PROJECT}:{need.field}" if need.line is None else f"{need.file}:{need.line}: {need.field}"
        fix = f"`pulumi config set --secret {need.key} <value> --stack {stack}`"
        if need.key == TOKEN_KEY_CONFIG:
            weak = token_key_problem(value, stack)
            if weak is not None:
                problems.append(f"{need.file}: {PROJECT}:{TOKEN_KEY_CONFIG}: {weak}")
        elif not value.strip():
            problems.append(f"{at}: config key {PROJECT}:{need.key} is set but empty: {fix}")
    return list(dict.fromkeys(problems))


def shard_settings(root: Path, plain: Mapping[str, Any], stack: str) -> dict[str, Any]:
    """A shard stack's settings are its platform's (read from Pulumi.<platform>.yaml) plus its own
    `platform` and `shard`; any other plain setting in the shard's file is refused, so there is one place
    to change a setting. Any other stack's settings are its own."""
    platform = plain.get("platform")
    if not platform:
        return dict(plain)
    extra = sorted(k for k in plain if k not in SHARD_KEYS)
    if extra:
        raise UserError("\n".join(
            f"Pulumi.{stack}.yaml: {PROJECT}:{key}: a shard stack takes its settings from its platform stack "
            f"(Pulumi.{platform}.yaml); remove it here" for key in extra
        ))
    own = plain_config(stack_file(root, str(platform)))
    if not own.get("sharding"):
        raise UserError(f"Pulumi.{stack}.yaml: {PROJECT}:platform: Pulumi.{platform}.yaml has no {PROJECT}:sharding "
                        "setting, so it is not a platform stack")
    return {**own, **{k: plain[k] for k in SHARD_KEYS if k in plain}}


def _role_agents(fleet: Fleet, settings: StackSettings, stack: str) -> tuple[Role, tuple[Agent, ...]]:
    if settings.platform is None:
        return ("platform", ()) if settings.sharding else ("fleet", fleet.agents)
    if settings.sharding is None:  # shard_settings refuses a platform without it
        raise UserError(f"Pulumi.{stack}.yaml: {PROJECT}:platform: {settings.platform} is not a platform stack")
    known = shard_ids(settings.sharding, fleet)
    if settings.shard not in known:
        raise UserError(
            f"Pulumi.{stack}.yaml: {PROJECT}:shard: {settings.shard!r} is not a shard of {settings.platform} "
            f"(by {settings.sharding.by}: {', '.join(known) or 'none'}); "
            f"`python -m launchpad shards up --stack {settings.platform}` retires a shard that is no longer used"
        )
    return "shard", tuple(a for a in fleet.agents if shard_of(a, settings.sharding, fleet) == settings.shard)


def stack_needs(fleet: Fleet, plain: Mapping[str, Any], stack: str) -> StackNeeds:
    """The stack's needs from its effective plain settings (shard_settings) and the validated fleet; raises
    SettingsError or UserError with every line to fix."""
    agent_keys = {use.key for agent in fleet.agents for use in agent.config_secrets}
    # An agent's config secrets are config keys like any other: not stack settings.
    settings = parse_settings({k: v for k, v in plain.items() if k not in agent_keys}, stack)
    monitoring = parse_monitoring(settings.monitoring, stack)
    role, agents = _role_agents(fleet, settings, stack)
    # A platform runs no agent, but its config is where `shards create` copies the shards' secrets from.
    readers = fleet.agents if role == "platform" else agents
    needs = [SecretNeed(use.key, use.file, use.line, f"secrets.{use.env_name}") for a in readers
             for use in a.config_secrets]
    own = f"Pulumi.{stack}.yaml"
    if role != "shard":  # the monitoring receivers live with the shared objects
        needs += [SecretNeed(key, own, None, f"monitoring.receivers.{sev}.urlSecret")
                  for sev, key in sorted(monitoring.secret_keys().items())]
    if role != "shard" and settings.controlPlane is not None:  # the control plane lives with the shared objects
        plane = settings.controlPlane
        check_control_plane(plane, stack, settings.devSignIn)
        needs += [SecretNeed(source.config, own, None, f"controlPlane.{kind}.secrets.{env}")
                  for kind, service in (("api", plane.api), ("deployer", plane.deployer),
                                        ("collector", plane.collector))
                  for env, source in sorted(service.secrets.items()) if source.config is not None]
    needs.append(SecretNeed(TOKEN_KEY_CONFIG, own, None, TOKEN_KEY_CONFIG))  # every agent's API token
    if any(source.stored for a in readers for source in a.spec.secrets.values()):
        # The values owners posted to the API are sealed with it (launchpad/sealed.py).
        needs.append(SecretNeed(SEALING_KEY, own, None, SEALING_KEY))
    if settings.database:
        needs.append(SecretNeed(DATABASE_URL_CONFIG, own, None, "database"))
    return StackNeeds(fleet, settings, monitoring, role, agents, tuple(needs))
