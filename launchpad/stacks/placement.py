"""Which stack's `up` applies an agent: the fleet's own stack (dev, local: one stack for the whole fleet), or
in a sharded fleet its shard stack `<platform>-<shard>`, by the same assignment `shards` uses
(launchpad/stacks/assignment.py). The control-plane API stores it with an agent it creates or changes, so the
deployer knows which stack to `up`; the program itself recomputes the assignment from the fleet."""

from __future__ import annotations

from launchpad.settings import StackSettings
from launchpad.stacks.assignment import shard_for, stack_name


def stack_for(fleet_stack: str, settings: StackSettings, name: str, tenant: str | None = None) -> str:
    """The stack that applies agent `name` of the fleet whose root stack is `fleet_stack`."""
    if settings.sharding is None:
        return fleet_stack
    return stack_name(fleet_stack, shard_for(name, tenant, settings.sharding))
