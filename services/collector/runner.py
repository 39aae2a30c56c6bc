"""The collector process: a leader loop beside the HTTP server.

Every instance serves HTTP; only the one holding the fleet's lock collects. It takes the lock on its own
session, starts the status watch, the metrics rounds, partition upkeep, the secrets watch and the log writer,
and reports ready (GET /readyz), so the Service sends webhooks and log batches to it alone; a standby answers
503 (Alertmanager and the shipper retry) and tries the lock every few seconds. Losing the session (or the
lock) stops every task and the instance goes back to waiting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from launchpad import naming
from launchpad.db.repository.telemetry.leader import still_leading, try_lead
from services.collector.config import CollectorConfig
from services.collector.database import Database, LostSession
from services.collector.directory import AgentDirectory
from services.collector.kube import watch as kube_watch
from services.collector.logs.budget import LogBudget
from services.collector.logs.secrets import SecretValues
from services.collector.logs.service import LogIngest
from services.collector.logs.writer import LogWriter
from services.collector.maintenance import PartitionKeeper
from services.collector.metrics.service import MetricsCollector
from services.collector.status import service as status_service
from services.collector.status.fleet_state import PackInfo
from services.collector.status.service import StatusCollector

log = logging.getLogger(__name__)
RETRY_LEAD_SECONDS = 2.0
STOP_SECONDS = 5.0  # what the tasks get to stop before the session (and the lock) is closed
CHECK_LEAD_SECONDS = 5.0


@dataclass
class Active:
    """What the leader runs; the HTTP views reach the database and the log pipeline through it."""

    db: Database
    directory: AgentDirectory
    ingest: LogIngest
    writer: LogWriter
    status: StatusCollector | None
    metrics: MetricsCollector | None
    partitions: PartitionKeeper
    threads: list[threading.Thread] = field(default_factory=list)
    stoppers: list[Callable[[], None]] = field(default_factory=list)  # close open watches
    # Set once log lines can be stored safely: the workloads listed (whose pod is whose: a pack's lines go to their
    # members) and the agents' Secrets read (what to redact). Until then the receiver answers 503.
    log_gates: list[threading.Event] = field(default_factory=list)


class Runner:
    def __init__(self, config: CollectorConfig) -> None:
        self.config = config
        self.active: Active | None = None
        self.stopping = threading.Event()
        self.leaderships = 0

    def _build(self, db: Database, stop: threading.Event) -> Active:
        cfg = self.config
        directory = AgentDirectory(db)
        directory.refresh()
        status: StatusCollector | None = None
        secrets = SecretValues(None, None, lambda ns, name: None)
        agent_of_pod: Callable[[str, str], tuple[str, str] | None] = lambda ns, pod: None  # noqa: E731
        pack_of_pod: Callable[[str, str], PackInfo | None] = lambda ns, pod: None  # noqa: E731
        if cfg.kubernetes:
            from services.collector.kube.client import api_client

            api = api_client(cfg.kubeconfig)
            listers = {"deployments": kube_watch.deployments, "pods": kube_watch.pods}
            watches = {kind: listers[resource](api, selector)
                       for kind, (resource, selector) in status_service.WATCHES.items()}  # fmt: skip
            status = StatusCollector(db, directory, watches, cfg.scope)
            state = status.state
            secrets = SecretValues(api, kube_watch.secrets(api, naming.AGENT_LABEL), state.deployment_of)
            agent_of_pod, pack_of_pod = state.agent_of_pod, state.pack_of_pod
        writer = LogWriter(db)
        ingest = LogIngest(directory, secrets, writer, LogBudget(cfg.log_rate, cfg.log_burst), agent_of_pod,
                           pack_of_pod)  # fmt: skip
        metrics = None
        if cfg.prometheus_url:
            metrics = MetricsCollector(db, directory, cfg.prometheus_url, cfg.metrics_interval, cfg.rate_window)
        partitions = PartitionKeeper(db, cfg.retention, cfg.partitions_ahead_days)
        partitions.once()  # before anything writes: today's partitions exist
        gates = [secrets.ready, *([status.listed] if status is not None else [])]
        active = Active(db, directory, ingest, writer, status, metrics, partitions, stoppers=[secrets.stop],
                        log_gates=gates)  # fmt: skip
        tasks: list[tuple[str, Callable[[threading.Event], None]]] = [
            ("log-writer", writer.run), ("partitions", partitions.run), ("secrets", secrets.run),
            ("log-notices", ingest.run_notices),
        ]  # fmt: skip
        if status is not None:
            tasks.append(("status", status.run))
        if metrics is not None:
            tasks.append(("metrics", metrics.run))
        for name, target in tasks:
            thread = threading.Thread(target=self._guard, args=(name, target, stop, db), name=name, daemon=True)
            thread.start()
            active.threads.append(thread)
        return active

    def _guard(self, name: str, target: Callable[[threading.Event], None], stop: threading.Event, db: Database) -> None:
        """A task that fails ends the leadership: the next one starts again from the stored state."""
        try:
            target(stop)
        except LostSession:
            log.warning("%s: lost the database session", name)
            db.lost.set()
        except Exception:
            log.exception("%s failed", name)
            db.lost.set()

    def lead_once(self) -> bool:
        """Take the lock if free and collect until stopping or the leadership is lost; False if not taken."""
        try:
            conn = psycopg.connect(self.config.database_url, autocommit=True, application_name="launchpad-collector")
        except psycopg.Error as exc:
            log.warning("cannot reach the database: %s", exc.__class__.__name__)
            return False
        with conn:
            if not try_lead(conn, self.config.scope):
                return False
            self.leaderships += 1
            log.info("leading scope %s", self.config.scope)
            db, stop = Database(conn), threading.Event()
            active: Active | None = None
            try:
                active = self.active = self._build(db, stop)
                while not self.stopping.is_set() and not db.lost.is_set():
                    self.stopping.wait(CHECK_LEAD_SECONDS)
                    if not db.lost.is_set() and not db.run(lambda c: still_leading(c, self.config.scope)):
                        db.lost.set()
            except LostSession:
                pass
            except Exception:
                log.exception("starting to lead failed; trying again")
            finally:
                self.active = None
                stop.set()
                if active is not None:
                    for stopper in active.stoppers:
                        stopper()
                    # The tasks end within a second or two; the lock must not wait for a slow one: leaving this
                    # block closes the session (the lock is free), and a task still writing fails on it.
                    deadline = time.monotonic() + STOP_SECONDS
                    for thread in active.threads:
                        thread.join(timeout=max(0.0, deadline - time.monotonic()))
            log.info("stopped leading scope %s", self.config.scope)
        return True

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                led = self.lead_once()
            except Exception:  # the leader loop never dies: a standby that stopped trying would be no standby
                log.exception("leader loop")
                led = False
            if not led:
                self.stopping.wait(RETRY_LEAD_SECONDS)
