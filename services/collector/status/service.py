"""Status from the cluster: one list+watch of the agents' (and packs') Deployments and one of their Pods, for
the whole fleet, into agent_health and agent_events (a packed agent's from its pack's: fleet_state.py).

Start-up resumes where the last leader stopped: the resourceVersions it stored with its last write are listed
again exactly (the state as it was then) and watched from, so every change since is replayed in order and
no transition is missed; if they are too old (compacted: 410), the latest listing is taken and only the
current state is written (what happened in between is lost to the API server too). A watch that ends is
resumed from its last version; one that expires lists again. Events are applied in batches: whatever
arrived within BATCH_SECONDS is one transaction, with the versions it reached."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from launchpad import naming
from launchpad.db.repository.telemetry.health import apply_observations
from launchpad.db.repository.telemetry.state import read_state
from launchpad.db.repository.telemetry.types import Observation
from services.collector.database import Database
from services.collector.directory import AgentDirectory
from services.collector.kube.watch import Event, Expired, ListWatch
from services.collector.status.fleet_state import AgentKey, FleetState
from services.collector.status.health import Health

log = logging.getLogger(__name__)
BATCH_SECONDS = 0.2
# One list+watch each, for the whole fleet: the agents' Deployments and Pods (labelled with their agent), and the
# packs' (several agents in one server: labelled with their pack, never an agent). By the label each must carry,
# not one they happen to share: the agent's Deployment is also where its secrets (for redacting its logs) are read.
WATCHES = {
    "deployments": ("deployments", naming.AGENT_LABEL),
    "pods": ("pods", naming.AGENT_LABEL),
    "pack-deployments": ("deployments", naming.PACK_LABEL),
    "pack-pods": ("pods", naming.PACK_LABEL),
}  # kind -> (resource, label selector)
KINDS = tuple(WATCHES)


class StatusCollector:
    def __init__(
        self, db: Database, directory: AgentDirectory, watches: dict[str, ListWatch], scope: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:  # fmt: skip
        self.db, self.directory, self.watches, self.scope, self.clock = db, directory, watches, scope, clock
        self.state = FleetState()
        self.versions: dict[str, str] = {}
        self.written: dict[AgentKey, Health] = {}  # what the database holds, as far as we wrote it
        self.unregistered: set[AgentKey] = set()  # observed, but no registry row (yet)
        self.events: queue.Queue[tuple[str, Event | None]] = queue.Queue()
        self.stats = {"events": 0, "batches": 0, "changed": 0, "transitions": 0, "relists": 0}
        self.last_batch_at = 0.0  # monotonic time of the last commit (benchmarks read the delay)
        self.listed = threading.Event()  # every kind listed once: the fleet's workloads are known

    # -- start-up and listing ------------------------------------------------------------------------

    def _list(self, kind: str, resource_version: str | None) -> set[AgentKey]:
        try:
            listing = self.watches[kind].list_at(resource_version)
        except Expired:
            log.info("%s: stored resourceVersion %s expired; listing the latest", kind, resource_version)
            listing = self.watches[kind].list_at(None)
        self.versions[kind] = listing.resource_version
        self.stats["relists"] += 1
        return self.state.replace(kind, listing.items)

    def start(self) -> None:
        """List every kind (exactly at the stored versions when there are some) and write the fleet."""
        stored = self.db.run(lambda conn: read_state(conn, self.scope))
        touched: set[AgentKey] = set()
        for kind in KINDS:
            touched |= self._list(kind, stored.get(kind))
        self.listed.set()  # the log ingest waits for it: which pod is whose, which secrets to redact
        self.directory.refresh()
        self._write(touched | set(self.written))

    # -- the loop ------------------------------------------------------------------------------------

    def _watch(self, kind: str, stop: threading.Event) -> None:
        """Feed one kind's events to the queue until `stop`; resume after a timeout, relist on 410."""
        while not stop.is_set():
            try:
                for event in self.watches[kind].watch(self.versions[kind]):
                    self.events.put((kind, event))
                    if stop.is_set():
                        return
            except Expired:
                self.events.put((kind, None))  # the loop relists this kind
                time.sleep(0.5)
            except (ApiException, HTTPError, OSError) as exc:
                if stop.is_set():
                    return
                log.warning("%s watch failed (%s); resuming in 1 s", kind, exc)
                time.sleep(1)

    def run(self, stop: threading.Event) -> None:
        self.start()
        threads = [threading.Thread(target=self._watch, args=(k, stop), name=f"watch-{k}", daemon=True) for k in KINDS]
        for thread in threads:
            thread.start()
        try:
            while not stop.is_set():
                self._drain(stop)
        finally:
            for kind in KINDS:
                self.watches[kind].stop()

    def _drain(self, stop: threading.Event) -> None:
        try:
            first = self.events.get(timeout=1.0)
        except queue.Empty:
            self._retry_unregistered()
            return
        batch = [first]
        deadline = time.monotonic() + BATCH_SECONDS
        while time.monotonic() < deadline and not stop.is_set():
            try:
                batch.append(self.events.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        touched: set[AgentKey] = set()
        for kind, event in batch:
            if event is None:
                touched |= self._list(kind, None)
                continue
            self.stats["events"] += 1
            self.versions[kind] = event.resource_version
            if event.type != "BOOKMARK":
                touched |= self.state.apply(kind, event.type, event.object)
        self._write(touched)

    def _retry_unregistered(self) -> None:
        generation = self.directory.generation
        self.directory.maybe_refresh()
        if self.unregistered and self.directory.generation != generation:
            self._write(set(self.unregistered))

    def _write(self, touched: set[AgentKey]) -> None:
        at = self.clock()
        observations = []
        for key in sorted(touched):
            health = self.state.health(key)
            if self.written.get(key) == health:
                continue
            ref = self.directory.get(*key)
            if ref is None:
                self.unregistered.add(key)
                continue
            self.unregistered.discard(key)
            observations.append(
                Observation(ref, health.health, health.replicas_desired, health.replicas_ready, health.restarts,
                            health.reason, at)
            )  # fmt: skip
        versions = dict(self.versions)
        changed, recorded = self.db.run(
            lambda conn: apply_observations(conn, observations, scope=self.scope, versions=versions)
        )
        for o in observations:
            self.written[(o.agent.namespace, o.agent.name)] = Health(
                o.health, o.replicas_desired, o.replicas_ready, o.restarts, o.reason
            )
        self.stats["batches"] += 1
        self.stats["changed"] += changed
        self.stats["transitions"] += recorded
        self.last_batch_at = time.monotonic()
