"""`python -m launchpad`: the same loader and generators the Pulumi program uses, without Pulumi.

validate [PATH ...]   report every problem of the fleet as FILE:LINE: FIELD: message (exit 1), or a summary
schema                print the JSON Schema of an agent file (committed as agents/agent.schema.json)
render --out DIR      write the fleet's Kubernetes manifests and Dockerfiles (secret values redacted)
migrate ...           apply supabase/migrations to a Postgres (see `migrate --help`)
scan ...              run the image scan gate (Trivy) on an image, image tar or root filesystem
scan-config DIR       run `trivy config` over what `render` wrote (policies/trivy/trivy.yaml)
db check ...          the live database against what the migrations declare (one line per finding, exit 1)
collector run         the collector service: status, metrics, logs and alerts into the database (services/collector)
dev-db, lock, convert-character, local-cluster, shards, api: see `python -m launchpad <command> --help`
deployer run          a deploy worker: applies the control plane's queued operations (services/deployer)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from launchpad.errors import UserError
from launchpad.fleet import Fleet, FleetError, load_fleet
from launchpad.fleet.schema import agent_schema


def _validate(args: argparse.Namespace) -> int:
    try:
        fleet = load_fleet([Path(p) for p in args.paths] or None)
    except FleetError as exc:
        print(exc.render(), file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was deployed", file=sys.stderr)
        return 1
    for note in dict.fromkeys(n for agent in fleet.agents for n in agent.notes):
        print(note)
    for line in packing_lines(fleet):
        print(line)
    print(fleet.summary())
    return 0


def packing_lines(fleet: Fleet) -> list[str]:
    """Which agents share a server (packs) and why the others of a packing tenant do not."""
    lines = [
        f"packed: {pack.namespace}/{pack.name}: {len(pack.agents)} agent(s) ({', '.join(pack.names)}); memory "
        f"request {pack.memory_request}, limit {pack.memory_limit}"
        for pack in fleet.packs
    ]
    files = {a.name: a.file for a in fleet.agents}
    lines += [f"not packed: {files[name]}: {name}: {why}" for name, why in sorted(fleet.unpacked.items())]
    return lines


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(agent_schema(), indent=2))
    return 0


def _render(args: argparse.Namespace) -> int:
    from launchpad.workloads.render import render_fleet

    try:
        fleet = load_fleet([Path(p) for p in args.paths] or None)
    except FleetError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    written = render_fleet(fleet, Path(args.out))
    print(f"wrote {len(written)} file(s) to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m launchpad", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check agent files; every problem as FILE:LINE: FIELD: message")
    validate.add_argument("paths", nargs="*", help="agent files or directories (default: agents/)")
    validate.set_defaults(func=_validate)
    schema = sub.add_parser("schema", help="print the JSON Schema of an agent file")
    schema.set_defaults(func=_schema)
    render = sub.add_parser("render", help="write Kubernetes manifests and Dockerfiles without Pulumi")
    render.add_argument("--out", required=True, help="directory to write into")
    render.add_argument("paths", nargs="*", help="agent files or directories (default: agents/)")
    render.set_defaults(func=_render)
    _register_optional(sub)
    return parser


def _register_optional(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Subcommands owned by other parts of the core register themselves here."""
    from launchpad.character.convert_cli import register as register_convert
    from launchpad.db.check.cli import register as register_db_check
    from launchpad.db.dev_cli import register as register_dev_db
    from launchpad.db.migrations.cli import register as register_migrate
    from launchpad.localcluster.cli import register as register_local_cluster
    from launchpad.runtime.cli import register as register_lock
    from launchpad.scan.cli import register as register_scan
    from launchpad.stacks.cli import register as register_shards

    register_migrate(sub)
    register_dev_db(sub)
    register_db_check(sub)
    register_scan(sub)
    register_lock(sub)
    register_convert(sub)
    register_local_cluster(sub)
    register_shards(sub)
    _register_services(sub)


def _register_services(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The services' own commands (docs/architecture.md, "Layers and imports": the one place the core names
    a service). Imported when the parser is built; each service's cli imports its heavy parts lazily or not."""
    from services.api.cli import register as register_api
    from services.collector.cli import register as register_collector
    from services.deployer.cli import register as register_deployer

    register_api(sub)
    register_deployer(sub)
    register_collector(sub)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except UserError as exc:
        # Any problem the user must fix, from any part of the core, is its lines and exit 1: never a
        # traceback (launchpad/errors.py). Commands that say more (a summary line) catch theirs first.
        print(exc.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C: what was running stopped at a transaction boundary (migrate) or was the user's to stop.
        print("interrupted", file=sys.stderr)
        return 130
    return result
