"""Databases for the collector's tests: copies of the session's migrated plain PostgreSQL (the repository
itself is tested on both kinds in tests/db)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from launchpad.localcluster.cluster import LocalCluster
from tests.db.conftest import Cluster, plain_server, postgresql_migrated  # noqa: F401 (fixtures)
from tests.e2e.kube_cluster import throwaway_cluster


@pytest.fixture
def telemetry_url(postgresql_migrated: Cluster) -> Iterator[str]:  # noqa: F811
    name = postgresql_migrated.create("c")
    try:
        yield postgresql_migrated.url(name)
    finally:
        postgresql_migrated.drop(name)


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    """The local control plane (no kubelet), shared by the collector's tests; each test uses its own namespace."""
    with throwaway_cluster() as cluster:
        yield cluster
