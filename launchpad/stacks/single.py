"""`python -m launchpad shards plan|release|up --stack <stack>` for a stack that is not sharded (the whole fleet
in one stack, like `dev` or `local`): the same order as a sharded fleet's, for the one kind of move such a stack
has, an agent changing server (joining or leaving a pack, launchpad/stacks/placements.py): release first, then
`pulumi up`. A plain `pulumi up` would start a moved agent in its new server before deleting the old one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from launchpad.contracts import PROJECT
from launchpad.errors import UserError
from launchpad.fleet import Fleet, FleetError, load_fleet
from launchpad.stacks import placements
from launchpad.stacks.needs import stack_needs
from launchpad.stacks.pulumi_cli import Pulumi
from launchpad.stacks.stack_files import plain_config, stack_file
from launchpad.stacks.status import StackError


@dataclass(frozen=True)
class Single:
    stack: str
    fleet: Fleet
    exists: bool
    moves: list[placements.Move]
    releases: list[str]  # URNs to destroy before the `up`


def is_sharded(root: Path, stack: str) -> bool:
    return bool(plain_config(stack_file(root, stack)).get("sharding"))


def load_single(root: Path, stack: str, engine: Callable[[], Pulumi]) -> Single:
    """The stack's fleet (validated whole, with its settings, before the engine is needed) against what its state
    runs."""
    plain = plain_config(stack_file(root, stack))
    if plain.get("platform"):
        raise StackError(f"Pulumi.{stack}.yaml: {PROJECT}:platform: {stack} is a shard stack: run the command on "
                         f"its platform stack {plain['platform']}")  # fmt: skip
    try:
        fleet = load_fleet([root / str(plain.get("agentsDir", "agents"))])
    except FleetError as exc:
        raise StackError(f"{exc.render()}\n{len(exc.problems)} problem(s); nothing was deployed") from None
    try:
        stack_needs(fleet, plain, stack)
    except UserError as exc:
        raise StackError(f"{exc.render()}\nnothing was deployed") from None
    pulumi = engine()
    if stack not in pulumi.stacks():
        return Single(stack, fleet, False, [], [])
    servers = {stack: pulumi.deployed(stack).servers}
    moves = placements.moves(fleet, lambda _: stack, servers)
    return Single(stack, fleet, True, moves, placements.releases(fleet, lambda _: stack, servers).get(stack, []))
