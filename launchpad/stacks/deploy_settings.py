"""What the deployer needs to know of a stack before it runs the engine on it, from the stack files (a shard's
settings are its platform's): the policy pack config it runs with (`policyConfig`), and whether it renders
manifests to a directory (`renderDir`, the dev stack) or applies them to a cluster, which decides how a stack
a lost worker left behind is repaired (services/deployer/engine.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from launchpad.contracts import PROJECT
from launchpad.errors import UserError
from launchpad.settings import StackSettings
from launchpad.stacks.needs import shard_settings
from launchpad.stacks.stack_files import plain_config, stack_file

DEFAULT_POLICY_CONFIG = str(StackSettings.model_fields["policyConfig"].default)


@dataclass(frozen=True)
class DeploySettings:
    policy_config: Path  # under the project
    renders: bool  # manifests go to a directory, not to a cluster


def deploy_settings(root: Path, stack: str) -> DeploySettings:
    """The stack's deploy settings; a UserError naming the setting when its policy config is missing."""
    effective = shard_settings(root, plain_config(stack_file(root, stack)), stack)
    value = str(effective.get("policyConfig", DEFAULT_POLICY_CONFIG))
    path = root / value
    if not path.is_file():
        origin = effective.get("platform") or stack
        raise UserError(f"Pulumi.{origin}.yaml: {PROJECT}:policyConfig: {value} is not a file of the project")
    return DeploySettings(path, bool(effective.get("renderDir")))
