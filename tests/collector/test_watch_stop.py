"""Stopping a watch from another thread ends it at once, on the local control plane's real API server (TLS). The
leader stops its watches before it closes its session, which frees the fleet's lock for the next leader: a stop
that waited for the next event or bookmark (up to a minute on a quiet fleet) held the lock that long, and the
restarted collector of tests/collector/test_status_kube.py timed out waiting to lead."""

from __future__ import annotations

import threading
import time

from launchpad.localcluster.cluster import LocalCluster
from services.collector.kube import watch as kube_watch
from services.collector.kube.client import api_client

QUIET = "launchpad.dev/watch-stop-test"  # a label no object carries: the watch only ever waits
PROMPT = 5.0  # seconds; far under the minute a bookmark may take


def test_stop_ends_a_quiet_watch_at_once(cluster: LocalCluster) -> None:
    watch = kube_watch.pods(api_client(str(cluster.kubeconfig)), QUIET)
    version = watch.list_at(None).resource_version
    events: list[kube_watch.Event] = []
    reader = threading.Thread(target=lambda: events.extend(watch.watch(version)), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while watch._response is None:  # the request is answered: the reader now blocks reading the stream
        assert time.monotonic() < deadline and reader.is_alive(), "the watch did not open"
        time.sleep(0.05)
    time.sleep(0.5)
    started = time.monotonic()
    stopper = threading.Thread(target=watch.stop, daemon=True)
    stopper.start()
    stopper.join(PROMPT)
    assert not stopper.is_alive(), f"stop() still waits after {PROMPT} s (for the reader's next event)"
    reader.join(PROMPT)
    assert not reader.is_alive(), "the watching thread did not end"
    assert time.monotonic() - started < PROMPT
    assert [e for e in events if e.type != "BOOKMARK"] == []
