"""`python -m launchpad collector run`: the collector (services/collector/__init__.py says what it does)."""

from __future__ import annotations

import argparse
import logging
import os
import threading
from datetime import timedelta
from types import FrameType

from launchpad.db.repository.telemetry.partitions import Retention
from launchpad.errors import UserError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("collector", help="the collector service: status, metrics, logs and alerts")
    commands = parser.add_subparsers(dest="collector_command", required=True)
    run = commands.add_parser("run", help="collect (the leader) or wait to (a standby), and serve the receivers")
    env = os.environ.get
    run.add_argument("--database-url", default=env("LAUNCHPAD_DATABASE_URL"),
                     help="Postgres URL (env LAUNCHPAD_DATABASE_URL); a session connection, not a transaction pooler")
    run.add_argument("--scope", default=env("LAUNCHPAD_COLLECTOR_SCOPE", "default"),
                     help="the fleet or shard collected: one leader per scope")
    run.add_argument("--kubeconfig", default=env("KUBECONFIG"), help="default: the pod's service account")
    run.add_argument("--no-kubernetes", action="store_true", help="no status watch and no secret redaction (tests)")
    run.add_argument("--prometheus-url", default=env("LAUNCHPAD_PROMETHEUS_URL"), help="no metrics when unset")
    run.add_argument("--metrics-interval", type=float, default=float(env("LAUNCHPAD_METRICS_INTERVAL", "60")))
    run.add_argument("--rate-window", default=env("LAUNCHPAD_RATE_WINDOW", "5m"))
    run.add_argument("--listen", default=env("LAUNCHPAD_COLLECTOR_LISTEN", "0.0.0.0:8080"), help="host:port")
    run.add_argument("--token-file", default=env("LAUNCHPAD_COLLECTOR_TOKEN_FILE"),
                     help="bearer token the webhook and the log shipper must send (or env LAUNCHPAD_COLLECTOR_TOKEN)")
    run.add_argument("--retention-days", default=env("LAUNCHPAD_RETENTION_DAYS", "metrics=14,logs=7,events=90"),
                     help="per table, e.g. metrics=14,logs=7,events=90")
    run.add_argument("--log-rate", type=float, default=float(env("LAUNCHPAD_LOG_RATE", "50")),
                     help="log lines per second per agent")
    run.add_argument("--log-burst", type=float, default=float(env("LAUNCHPAD_LOG_BURST", "500")))
    run.set_defaults(func=_run)


def parse_retention(text: str) -> Retention:
    values = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, days = part.partition("=")
        if key not in ("metrics", "logs", "events") or not days.isdigit() or int(days) < 1:
            raise UserError(f"--retention-days: {part!r}: expected metrics|logs|events=<days, at least 1>")
        values[key] = timedelta(days=int(days))
    return Retention(**values)


def _run(args: argparse.Namespace) -> int:
    from services.collector.config import CollectorConfig

    if not args.database_url:
        raise UserError("collector run: --database-url (or LAUNCHPAD_DATABASE_URL) is required")
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        raise UserError(f"--listen {args.listen!r}: expected host:port")
    token = os.environ.get("LAUNCHPAD_COLLECTOR_TOKEN") or None  # from a Secret, in the cluster
    if args.token_file:
        try:
            with open(args.token_file) as f:
                token = f.read().strip()
        except OSError as exc:
            raise UserError(f"--token-file {args.token_file}: {exc.strerror}") from None
    config = CollectorConfig(
        database_url=args.database_url, scope=args.scope, kubeconfig=args.kubeconfig,
        kubernetes=not args.no_kubernetes, prometheus_url=args.prometheus_url,
        metrics_interval=args.metrics_interval, rate_window=args.rate_window, host=host or "0.0.0.0",
        port=int(port), token=token, retention=parse_retention(args.retention_days),
        log_rate=args.log_rate, log_burst=args.log_burst,
    )  # fmt: skip
    return serve(config)


def serve(config: object) -> int:
    import uvicorn

    from services.collector.config import CollectorConfig
    from services.collector.http import create_app
    from services.collector.runner import Runner

    assert isinstance(config, CollectorConfig)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runner = Runner(config)
    leader = threading.Thread(target=runner.run, name="leader", daemon=True)
    leader.start()

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # Stop collecting at once, not after the HTTP side has drained: the lock is free for the next
            # leader within a second, and a log batch still waiting here is answered 503 (the shipper sends it
            # again, to the next leader) instead of holding the shutdown for its acknowledgement timeout.
            runner.stopping.set()
            super().handle_exit(sig, frame)

    server = Server(uvicorn.Config(create_app(runner), host=config.host, port=config.port, log_level="warning",
                                   access_log=False, timeout_graceful_shutdown=10))  # fmt: skip
    server.run()
    runner.stopping.set()
    leader.join(timeout=30)
    return 0
