"""Metrics from a real Prometheus (Debian's 2.42) holding 1,000 agents' series and evaluating the fleet's own
recording rules: one query per metric, every agent's five samples written in one COPY, exact values."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from services.collector.config import CollectorConfig
from services.collector.metrics.prometheus import instant_query
from services.collector.metrics.queries import queries
from tests.collector.harness import owner_of, register_fleet, running_collector
from tests.collector.promlab import prometheus
from tests.db.telemetry_seed import role_url

pytestmark = pytest.mark.postgres
N = 1000


def test_one_round_writes_every_agents_metrics(telemetry_url: str, tmp_path: Path) -> None:
    register_fleet(telemetry_url, N - 3)  # three agents of Prometheus are not in the registry: dropped
    with prometheus(tmp_path, N) as prom:
        # the first rule evaluation after start: until then the info series the joins need do not exist
        for name, promql in queries().items():
            for _ in range(100):
                if len(instant_query(prom, promql)) == N:
                    break
                time.sleep(0.1)
            assert len(instant_query(prom, promql)) == N, name
        url = role_url(telemetry_url, "launchpad_collector")
        config = CollectorConfig(url, kubernetes=False, prometheus_url=prom, metrics_interval=3600)
        with running_collector(config) as (_, runner):
            active = runner.active
            assert active is not None and active.metrics is not None
            done = active.metrics.collect(datetime.now(UTC))
    assert (done.samples, done.unmatched, done.failed) == (5 * (N - 3), 5 * 3, [])
    with psycopg.connect(telemetry_url) as conn:
        rows = dict(conn.execute(
            "select m.name, m.value from public.agent_metrics m join public.agents a on a.id = m.agent_id"
            " where a.name = 'agent-0194' and m.user_id = %s", (owner_of(194),)
        ).fetchall())  # fmt: skip
    assert rows == {"cpu_cores": pytest.approx(0.195), "memory_limit_ratio": pytest.approx(0.94),
                    "restarts": 2.0, "ready_replicas": 1.0, "probe_success": 0.0}  # fmt: skip
