"""Logs end to end: an elizaOS agent booted by the boot harness (its pod's runtime, env and secrets) writes
its output where a kubelet node keeps it; the log shipper (OpenTelemetry Collector, file_log -> otlp_http)
sends it to the collector, which stores it in agent_logs under the agent's owner, parsed, with the values of
that agent's secrets redacted (plugin-discord prints the application id, one of its secrets, in its invite
links). Then a chatty pod writes while the collector is stopped and restarted: no line is lost or doubled."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from launchpad.fleet import load_fleet
from launchpad.localcluster.cluster import LocalCluster
from launchpad.logs.cri import CriWriter, pod_log_path
from launchpad.runtime.boot import agent_boot
from launchpad.runtime.sandbox import can_sandbox
from launchpad.workloads.pod import container_env, secret_env, secret_name
from services.collector.config import CollectorConfig
from tests.collector.harness import running_collector
from tests.collector.promlab import free_port
from tests.collector.shipper import otelcol_or_skip, shipper
from tests.db.telemetry_seed import USER_A, role_url
from tests.runtime.tools import require_tools

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "shipper-token"
RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
              "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}  # fmt: skip


def _objects(name: str, namespace: str, env: list[dict[str, Any]], secret: dict[str, str]) -> list[dict[str, Any]]:
    labels = {"app.kubernetes.io/instance": name, "launchpad.dev/agent": name}
    return [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-env", "namespace": namespace,
                                                            "labels": labels}, "stringData": secret},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace,
                                                                     "labels": labels},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app.kubernetes.io/instance": name}},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                      {"name": "eliza", "image": "eliza:test", "env": env, "securityContext": RESTRICTED}]}}}},
    ]  # fmt: skip


def _pod(cluster: LocalCluster, namespace: str, name: str) -> tuple[str, str]:
    for _ in range(100):
        out = cluster.kubectl("get", "pods", "-n", namespace, "-l", f"launchpad.dev/agent={name}", "-o", "json").stdout
        items = json.loads(out)["items"]
        if items:
            return items[0]["metadata"]["name"], items[0]["metadata"]["uid"]
        time.sleep(0.2)
    pytest.fail(f"no pod for {name}")


def _register(url: str, name: str, namespace: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s) on conflict do nothing", (USER_A,))
        row = conn.execute("insert into public.agents (user_id, name, namespace, image) values (%s, %s, %s, 'img')"
                           " returning id::text", (USER_A, name, namespace)).fetchone()  # fmt: skip
    assert row is not None
    return str(row[0])


def _stored(url: str, agent_id: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute("select level, message, context::text from public.agent_logs where agent_id = %s"
                            " order by seq", (agent_id,)).fetchall()  # fmt: skip


def _wait(what: str, probe: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def test_a_booted_agents_lines_land_redacted(cluster: LocalCluster, telemetry_url: str, tmp_path: Path) -> None:
    require_tools("npm", "node")
    otelcol_or_skip()
    why = can_sandbox()
    if why is not None:
        pytest.fail(why) if os.environ.get("CI") == "true" else pytest.skip(why)
    agent = next(a for a in load_fleet([ROOT / "agents"]).agents if a.name == "crypto-trading-bot")
    secrets = {env: f"{env.lower().replace('_', '-')}-value-{i}7391" for i, env in enumerate(secret_env(agent))}
    secrets["DISCORD_APPLICATION_ID"] = "1187291113845621"  # a Discord snowflake; the plugin prints it
    agent_id = _register(telemetry_url, agent.name, agent.namespace)
    cluster.kubectl("create", "namespace", agent.namespace)
    assert secret_name(agent) == f"{agent.name}-env"
    for obj in _objects(agent.name, agent.namespace, container_env(agent), secrets):
        cluster.kubectl("apply", "--server-side", "--field-manager=test", "-f", "-", stdin=json.dumps(obj))
    pod, uid = _pod(cluster, agent.namespace, agent.name)
    pods_dir = tmp_path / "pods"
    cri = pod_log_path(pods_dir, agent.namespace, pod, uid, "eliza")
    config = CollectorConfig(role_url(telemetry_url, "launchpad_collector"), kubeconfig=str(cluster.kubeconfig),
                             scope="logs-test", token=TOKEN)  # fmt: skip
    with (
        running_collector(config) as (base, _),
        shipper(tmp_path / "shipper", pods_dir, base, TOKEN),
        agent_boot(agent, secrets, cri_log=cri) as running,
    ):
        running.wait_ready()
        _wait("the agent's 'Started agents' line", lambda: any(r[1] == "Started agents" for r in _stored(
            telemetry_url, agent_id)))  # fmt: skip
        # every line the runtime kept so far (the agent's shutdown lines come after, and are not waited for)
        raw = cri.read_text()
        full_lines = sum(1 for line in raw.splitlines() if line.split(" ", 3)[2] == "F")
        _wait("every line so far", lambda: len(_stored(telemetry_url, agent_id)) >= full_lines, timeout=60)
        stored = _stored(telemetry_url, agent_id)
    assert secrets["DISCORD_APPLICATION_ID"] in raw  # the agent printed it...
    text = "\n".join(f"{m}\n{c}" for _, m, c in stored)
    for value in secrets.values():  # ...and no value of its secrets was stored
        assert value not in text
    assert "client_id=[redacted:DISCORD_APPLICATION_ID]" in text
    assert {"info", "warn", "error"} <= {r[0] for r in stored}
    assert len(stored) == full_lines  # every line the runtime kept, once


def test_no_line_is_lost_or_doubled_across_a_collector_restart(telemetry_url: str, tmp_path: Path) -> None:
    namespace, name = "tenant-chatty", "chatty"
    agent_id = _register(telemetry_url, name, namespace)
    pods_dir = tmp_path / "pods"
    writer = CriWriter(pod_log_path(pods_dir, namespace, f"{name}-5d8f7c9b4-x2x9q", "0b5c", "eliza"))
    total = 3000

    def chatter() -> None:  # ~600 lines/s for 5 s, in the format the agents print
        for i in range(total):
            writer.write("stdout", json.dumps({"levelName": "info", "msg": f"line {i}", "namespace": ["Chatty"]}))
            if i % 60 == 59:
                time.sleep(0.1)

    config = CollectorConfig(role_url(telemetry_url, "launchpad_collector"), kubernetes=False, scope="restart",
                             token=TOKEN, log_rate=10_000, log_burst=10_000)  # fmt: skip
    thread = threading.Thread(target=chatter)
    port = free_port()  # the restarted collector listens where the first one did, behind the same address
    with shipper(tmp_path / "shipper", pods_dir, f"http://127.0.0.1:{port}", TOKEN):
        with running_collector(config, port=port):
            thread.start()
            _wait("the first lines", lambda: len(_stored(telemetry_url, agent_id)) > 200)
        # the collector is down while the agent keeps writing; the shipper queues and retries
        time.sleep(2)
        with running_collector(config, port=port):
            thread.join()
            _wait("every line", lambda: len(_stored(telemetry_url, agent_id)) >= total, timeout=60)
            time.sleep(1)
    messages = [m for _, m, _ in _stored(telemetry_url, agent_id)]
    assert sorted(messages, key=lambda m: int(m.split()[1])) == [f"line {i}" for i in range(total)]



def test_a_chatty_agent_is_held_to_its_budget_and_others_lose_nothing(telemetry_url: str, tmp_path: Path) -> None:
    chatty_id = _register(telemetry_url, "chatty", "tenant-shared")
    quiet_id = _register(telemetry_url, "quiet", "tenant-shared")
    pods_dir = tmp_path / "pods"
    chatty = CriWriter(pod_log_path(pods_dir, "tenant-shared", "chatty-5d8f7c9b4-aaaaa", "0c01", "eliza"))
    quiet = CriWriter(pod_log_path(pods_dir, "tenant-shared", "quiet-5d8f7c9b4-bbbbb", "0c02", "eliza"))
    config = CollectorConfig(role_url(telemetry_url, "launchpad_collector"), kubernetes=False, scope="budget",
                             token=TOKEN, log_rate=20, log_burst=100)  # fmt: skip
    port = free_port()
    with shipper(tmp_path / "shipper", pods_dir, f"http://127.0.0.1:{port}", TOKEN), \
            running_collector(config, port=port):  # fmt: skip
        for i in range(2000):  # 2,000 lines at once: far over 20/s with 100 in reserve
            chatty.write("stdout", json.dumps({"levelName": "info", "msg": f"chatter {i}"}))
            if i % 100 == 0:
                quiet.write("stdout", json.dumps({"levelName": "info", "msg": f"quiet {i // 100}"}))
        _wait("the quiet agent's lines", lambda: len(_stored(telemetry_url, quiet_id)) >= 20, timeout=60)
        notice = _wait("the drop notice", lambda: [r for r in _stored(telemetry_url, chatty_id)
                                                   if "dropped" in r[1]], timeout=60)  # fmt: skip
    stored = _stored(telemetry_url, chatty_id)
    assert 100 <= len(stored) - 1 < 400  # the burst and ~20/s while the lines arrived, not 2,000
    assert notice[0][0] == "warn" and "over its budget of 20 lines/s" in notice[0][1]
    assert sorted(m for _, m, _ in _stored(telemetry_url, quiet_id)) == sorted(f"quiet {i}" for i in range(20))
