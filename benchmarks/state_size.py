"""What each resource stores in a stack's checkpoint, by resource type: the compact-JSON bytes of every
state entry (what the file backend rewrites after each step), and per type its inputs, outputs and the
rest (URN, parent, provider, dependencies). Reads `pulumi stack export` of one or more stacks, so a
sharded fleet is measured whole.

    source scripts/engine-env.sh && .venv/bin/python benchmarks/state_size.py --stack dev [--stack ...] [--agents N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _kind(resource: dict[str, Any]) -> str:
    kind = str(resource.get("type", "?"))
    return kind.removeprefix("pulumi-python:dynamic/")


@dataclass
class TypeSize:
    count: int = 0
    total: int = 0
    inputs: int = 0
    outputs: int = 0
    # The largest single property of inputs or outputs, by name, summed over resources of the type.
    props: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def by_type(exports: Iterable[dict[str, Any]]) -> tuple[dict[str, TypeSize], int]:
    """Per resource type sizes, and the total bytes of the deployments (resources plus metadata)."""
    sizes: dict[str, TypeSize] = defaultdict(TypeSize)
    total = 0
    for export in exports:
        deployment = export.get("deployment") or {}
        total += _size(deployment)
        for resource in deployment.get("resources") or []:
            entry = sizes[_kind(resource)]
            entry.count += 1
            entry.total += _size(resource)
            for part in ("inputs", "outputs"):
                values = resource.get(part) or {}
                setattr(entry, part, getattr(entry, part) + _size(values))
                for name, value in values.items():
                    entry.props[f"{part}.{name}"] += _size(value)
    return dict(sizes), total


def export(stack: str, cwd: Path | None = None) -> dict[str, Any]:
    out = subprocess.run(["pulumi", "stack", "export", "--stack", stack, "--non-interactive"], cwd=cwd,
                         capture_output=True, text=True, check=True).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def report(sizes: dict[str, TypeSize], total: int, agents: int, top: int = 2) -> str:
    lines = [f"{'resource type':<58} {'count':>6} {'bytes/agent':>11} {'inputs':>8} {'outputs':>8}  largest properties"]
    for kind, s in sorted(sizes.items(), key=lambda kv: -kv[1].total):
        largest = sorted(s.props.items(), key=lambda kv: -kv[1])[:top]
        note = ", ".join(f"{name} {size // max(agents, 1)}" for name, size in largest)
        lines.append(f"{kind:<58} {s.count:>6} {s.total / agents:>11.0f} {s.inputs / agents:>8.0f} "
                     f"{s.outputs / agents:>8.0f}  {note}")
    lines.append(f"{'total (whole checkpoints)':<58} {sum(s.count for s in sizes.values()):>6} "
                 f"{total / agents:>11.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", action="append", required=True)
    parser.add_argument("--agents", type=int, help="divide by this many agents (default: ElizaAgents found)")
    args = parser.parse_args()
    exports = [export(s) for s in args.stack]
    sizes, total = by_type(exports)
    agents = args.agents or sizes.get("agent-launchpad:index:ElizaAgent", TypeSize()).count or 1
    print(f"{agents} agent(s) in {len(exports)} stack(s); bytes per agent of compact JSON")
    print(report(sizes, total, agents))


if __name__ == "__main__":
    main()
