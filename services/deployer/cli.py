"""`python -m launchpad deployer run`: one deploy worker process (run several for more stacks at once; each
stack is still updated by one of them at a time). It applies the queued operations of the control plane's
database (`--database-url`, or LAUNCHPAD_DATABASE_URL: the URL stays off the command line) to the stacks of
this project with the engine on PATH and the backend of the environment (PULUMI_BACKEND_URL,
PULUMI_CONFIG_PASSPHRASE or _FILE), as scripts/dev-up.sh runs it. SIGTERM or Ctrl-C: the run in progress
finishes, then the worker exits."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from launchpad.db.repository import operations
from services.deployer.engine import EngineUnavailable
from services.deployer.health import serve_health
from services.deployer.worker import Worker, WorkerConfig

DATABASE_URL_ENV = "LAUNCHPAD_DATABASE_URL"
HOME_ENV = "LAUNCHPAD_DEPLOYER_HOME"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("deployer", help="apply the queued operations of the control plane (a worker)")
    commands = parser.add_subparsers(dest="deployer_command", required=True)
    run = commands.add_parser("run", help="run one worker until stopped (or, with --once, until the queue is empty)")
    run.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV),
        help=f"the control plane's database (default: ${DATABASE_URL_ENV})",
    )
    run.add_argument("--project", type=Path, default=Path.cwd(), help="the project directory (default: here)")
    run.add_argument(
        "--home",
        type=Path,
        default=os.environ.get(HOME_ENV),
        help=f"this worker's own directory (default: ${HOME_ENV}, else a new temporary one)",
    )
    run.add_argument("--stack", action="append", dest="stacks", help="only this stack (repeatable)")
    run.add_argument("--once", action="store_true", help="exit when nothing is left to claim")
    run.add_argument("--lease-seconds", type=float, default=operations.LEASE_SECONDS)
    run.add_argument("--poll-seconds", type=float, default=10.0)
    run.add_argument("--retry-delay-seconds", type=float, default=30.0)
    run.add_argument("--health-port", type=int, help="serve /healthz and /readyz on this port (Kubernetes probes)")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s deployer: %(message)s", stream=sys.stderr)
    if not args.database_url:
        print(f"deployer: no database: pass --database-url or set {DATABASE_URL_ENV}", file=sys.stderr)
        return 1
    if not (args.project / "Pulumi.yaml").is_file():
        print(f"deployer: {args.project} holds no Pulumi.yaml: pass --project", file=sys.stderr)
        return 1
    home = args.home or Path(tempfile.mkdtemp(prefix="launchpad-deployer-"))
    config = WorkerConfig(
        database_url=args.database_url,
        project=args.project.resolve(),
        home=Path(home).resolve(),
        stacks=tuple(args.stacks) if args.stacks else None,
        lease_seconds=args.lease_seconds,
        poll_seconds=args.poll_seconds,
        retry_delay_seconds=args.retry_delay_seconds,
    )
    try:
        worker = Worker(config)
    except EngineUnavailable as exc:
        print(f"deployer: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    health = serve_health(args.health_port, args.database_url) if args.health_port else None

    def stop_after_run(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger(__name__).info("signal %d: stopping after the run in progress", signum)
        stop.set()

    signal.signal(signal.SIGTERM, stop_after_run)
    signal.signal(signal.SIGINT, stop_after_run)
    logging.getLogger(__name__).info("worker %s ready (home %s)", config.name, config.home)
    try:
        if args.once:
            worker.drain(stop)
        else:
            worker.serve(stop)
    finally:
        worker.close()
        if health is not None:
            health.shutdown()
    return 0
