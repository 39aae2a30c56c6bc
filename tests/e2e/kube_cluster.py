"""Helpers for the end-to-end tests against the local control plane (launchpad.localcluster): what the
server holds, read with the real kubectl."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from launchpad.localcluster import cluster as local
from launchpad.localcluster.binaries import find_bin_dir
from launchpad.localcluster.cluster import LocalCluster

T = TypeVar("T")


def bin_dir_or_skip() -> Path:
    """The control plane's binaries; in CI (scripts/test.sh builds them) their absence fails the test."""
    found = find_bin_dir(build=False)
    if found is None or not (found / "kube-apiserver").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the local control plane is not built; scripts/test.sh builds it with tools/kube/ensure.sh")
        pytest.skip("no local control plane: run `bash tools/kube/ensure.sh` (Go modules, 10-25 min once)")
    return found


@contextmanager
def throwaway_cluster() -> Iterator[LocalCluster]:
    """A local control plane for one test module or session, removed after. Not under pytest's basetemp: its
    etcd data and keys go with it."""
    bin_dir = bin_dir_or_skip()
    root = Path(tempfile.mkdtemp(prefix="launchpad-kube-"))
    try:
        yield local.start(root, bin_dir, durable=False)
    finally:
        local.stop(root)
        shutil.rmtree(root, ignore_errors=True)


def get_json(cluster: LocalCluster, *args: str) -> Any:
    return json.loads(cluster.kubectl("get", *args, "-o", "json").stdout)


def namespaced_kinds(cluster: LocalCluster) -> list[str]:
    """Every namespaced kind the server can list (built-in and CRDs), as `kubectl get` names them. Events
    are left out: the controllers' record of what happened outlives the objects by design (TTL 1 h)."""
    names = cluster.kubectl("api-resources", "--verbs=list", "--namespaced", "-o", "name").stdout.split()
    return sorted(n for n in names if n not in ("events", "events.events.k8s.io"))


def objects_in(cluster: LocalCluster, namespaces: Iterable[str], kinds: list[str]) -> list[str]:
    """`kind/namespace/name` of every object of `kinds` in `namespaces` (one kubectl call per namespace)."""
    found = []
    for namespace in namespaces:
        out = cluster.kubectl("get", ",".join(kinds), "-n", namespace, "--ignore-not-found", "-o", "json").stdout
        items = json.loads(out)["items"] if out.strip() else []  # nothing at all prints nothing
        found += [f"{o['kind']}/{namespace}/{o['metadata']['name']}" for o in items]
    return sorted(found)


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 90.0) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` and the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {value!r})")
