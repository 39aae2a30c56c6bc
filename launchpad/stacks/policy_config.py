"""Which policy pack config a stack runs with (its `policyConfig` setting; a shard's is its platform's), for
the deployer, which runs `up` and `preview` with the pack as CI and scripts/dev-up.sh do."""

from __future__ import annotations

from pathlib import Path

from launchpad.contracts import PROJECT
from launchpad.errors import UserError
from launchpad.settings import StackSettings
from launchpad.stacks.needs import shard_settings
from launchpad.stacks.stack_files import plain_config, stack_file

DEFAULT = str(StackSettings.model_fields["policyConfig"].default)


def policy_config(root: Path, stack: str) -> Path:
    """The config file's path under `root` (the project); a UserError naming the setting if it is missing."""
    effective = shard_settings(root, plain_config(stack_file(root, stack)), stack)
    value = str(effective.get("policyConfig", DEFAULT))
    path = root / value
    if not path.is_file():
        origin = effective.get("platform") or stack
        raise UserError(f"Pulumi.{origin}.yaml: {PROJECT}:policyConfig: {value} is not a file of the project")
    return path
