"""The log receiver refuses lines (503, Retry-After: the shipper keeps and resends them) until the leader has
listed the fleet's workloads and read the agents' Secrets: before that, a pod would be matched by its name alone
and its lines redacted of nothing (its agent's Secrets not known yet), and a pack's pod would be no one's."""

from __future__ import annotations

import threading

import psycopg
import pytest
from fastapi.testclient import TestClient

from services.collector.config import CollectorConfig
from services.collector.database import Database
from services.collector.directory import AgentDirectory
from services.collector.http import create_app
from services.collector.logs.budget import LogBudget
from services.collector.logs.secrets import SecretValues
from services.collector.logs.service import LogIngest
from services.collector.logs.writer import LogWriter
from services.collector.maintenance import PartitionKeeper
from services.collector.runner import Active, Runner
from tests.db.telemetry_seed import role_url

pytestmark = pytest.mark.postgres


def test_lines_wait_until_the_fleet_is_listed(telemetry_url: str) -> None:
    url = role_url(telemetry_url, "launchpad_collector")
    runner = Runner(CollectorConfig(url))
    with psycopg.connect(url, autocommit=True) as conn:
        db = Database(conn)
        directory, writer, listed = AgentDirectory(db), LogWriter(db), threading.Event()
        ingest = LogIngest(directory, SecretValues(None, None, lambda ns, name: None), writer, LogBudget(10, 10),
                           lambda ns, pod: None)  # fmt: skip
        partitions = PartitionKeeper(db, runner.config.retention)
        runner.active = Active(db, directory, ingest, writer, None, None, partitions, log_gates=[listed])
        with TestClient(create_app(runner)) as client:
            refused = client.post("/v1/logs", json={"resourceLogs": []})
            assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
            assert refused.json() == {"error": "listing the fleet's workloads and secrets"}
            listed.set()
            assert client.post("/v1/logs", json={"resourceLogs": []}).status_code == 200
