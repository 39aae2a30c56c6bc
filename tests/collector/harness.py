"""The collector run in-process for the tests: its Runner (leader loop) and its HTTP app on a free loopback
port, stopped after; and a registry of n agents laid out as tests/collector/promlab.py names them."""

from __future__ import annotations

import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import psycopg
import uvicorn

from services.collector.config import CollectorConfig
from services.collector.http import create_app
from services.collector.runner import Runner
from tests.collector.promlab import agent, free_port


def owner_of(i: int) -> str:
    """Each tenant's agents belong to one user (50 users for 1,000 agents)."""
    return str(uuid.UUID(int=(i % 50) + 1))


def register_fleet(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        with conn.cursor() as cur, cur.copy("copy auth.users (id) from stdin") as copy:
            for i in range(min(n, 50)):
                copy.write_row((owner_of(i),))
        with conn.cursor() as cur, cur.copy("copy public.agents (user_id, name, namespace, image) from stdin") as copy:
            for i in range(n):
                name, _, namespace = agent(i)
                copy.write_row((owner_of(i), name, namespace, "img"))


@contextmanager
def running_collector(
    config: CollectorConfig, *, port: int | None = None, lead_timeout: float = 60.0
) -> Iterator[tuple[str, Runner]]:
    """(base URL, runner) of a collector leading `config.scope`; stopped on exit."""
    config = replace(config, host="127.0.0.1", port=port or free_port())
    runner = Runner(config)
    leader = threading.Thread(target=runner.run, name="leader", daemon=True)
    server = uvicorn.Server(uvicorn.Config(create_app(runner), host=config.host, port=config.port, log_level="warning"))
    serving = threading.Thread(target=server.run, name="http", daemon=True)
    leader.start()
    serving.start()
    base = f"http://127.0.0.1:{config.port}"
    try:
        deadline = time.monotonic() + lead_timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the collector did not start leading")
        yield base, runner
    finally:
        runner.stopping.set()
        server.should_exit = True
        leader.join(timeout=30)
        serving.join(timeout=30)
