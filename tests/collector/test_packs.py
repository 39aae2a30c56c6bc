"""Packed agents (several agents in one elizaOS server, launchpad/fleet/packing.py) reach their own rows: status
from their pack's Deployment and pod, log lines to the member they name (each under its owner, RLS), lines that
name no single member to every member only when one user owns them all, and never across owners; every line of
a pack redacted of every member's secrets. The pack objects are the real manifests of a loaded fleet."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from launchpad.fleet import Fleet, load_fleet
from launchpad.fleet.resolved import Pack
from launchpad.localcluster.cluster import LocalCluster
from launchpad.workloads.pack_objects import pack_manifests
from launchpad.workloads.pack_pod import pack_secret_keys
from services.collector.config import CollectorConfig
from services.collector.database import Database
from services.collector.directory import AgentDirectory
from services.collector.logs.budget import LogBudget
from services.collector.logs.otlp import records
from services.collector.logs.packs import attribute, string_to_uuid
from services.collector.logs.redact import Redactor
from services.collector.logs.secrets import SecretValues, secret_refs
from services.collector.logs.service import LogIngest
from services.collector.logs.writer import LogWriter
from services.collector.status.fleet_state import FleetState, pack_info
from tests.collector.harness import running_collector
from tests.collector.test_status_kube import apply, kubelet_status
from tests.db.telemetry_seed import USER_A, USER_B, as_user, role_url
from tests.fleet.fleet_files import write_fleet

NS = "tenant-packs"
DEFAULTS = """\
image: {ref: ghcr.io/acme/eliza:1.7.2}
resources:
  requests: {cpu: 500m, memory: 640Mi, ephemeral-storage: 256Mi}
  limits: {cpu: "2", memory: 1Gi, ephemeral-storage: 2560Mi}
packing:
  tenants:
    packs: {maxAgents: 8}
"""


def _agent(name: str, owner: str, tier: str) -> str:
    return f"""\
name: {name}
owner: {owner}
tenant: packs
tier: {tier}
character: {{name: {name.title()}, bio: A test bot.}}
platforms: {{telegram: {{mode: polling}}}}
model: {{provider: openai}}
secrets:
  TELEGRAM_BOT_TOKEN: {{config: tg-{name}}}
  OPENAI_API_KEY: {{config: openaiKey}}
"""


def packed_fleet(tmp_path: Path) -> tuple[Pack, Pack]:
    """(mixed, single): ann (user A) and bob (user B) share a standard-tier pack; cat and dan (both user A) a
    low-tier one (a pack is one tenant's, not one owner's: packing groups by namespace, tier, image...)."""
    files = {"defaults.yaml": DEFAULTS, "ann.yaml": _agent("ann", USER_A, "standard"),
             "bob.yaml": _agent("bob", USER_B, "standard"), "cat.yaml": _agent("cat", USER_A, "low"),
             "dan.yaml": _agent("dan", USER_A, "low")}  # fmt: skip
    fleet: Fleet = load_fleet([write_fleet(tmp_path, files)])
    packs = {p.tier: p for p in fleet.packs}
    assert {p.names for p in fleet.packs} == {("ann", "bob"), ("cat", "dan")}
    return packs["standard"], packs["low"]


def pack_deployment(pack: Pack) -> dict[str, Any]:
    return pack_manifests(pack, {k: "placeholder" for k in pack_secret_keys(pack)}).deployment


def pod_of(pack: Pack, *, ready: bool, crash: bool = False) -> dict[str, Any]:
    """The pack's pod as the ReplicaSet controller makes it (the template's labels) and a kubelet reports it."""
    labels = pack_deployment(pack)["spec"]["template"]["metadata"]["labels"]
    container: dict[str, Any] = {"name": "eliza", "restartCount": 2 if crash else 0, "ready": ready}
    container["state"] = {"waiting": {"reason": "CrashLoopBackOff"}} if crash else {"running": {}}
    return {
        "metadata": {"name": f"{pack.name}-5d8f7c9b6-x2x4z", "namespace": NS, "labels": labels},
        "spec": {"nodeName": "node-1"},
        "status": {"phase": "Running", "containerStatuses": [container],
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }  # fmt: skip


def test_a_packed_agents_status_is_its_packs(tmp_path: Path) -> None:
    mixed, _ = packed_fleet(tmp_path)
    state = FleetState()
    assert state.apply("pack-deployments", "ADDED", pack_deployment(mixed)) == {(NS, "ann"), (NS, "bob")}
    assert state.health((NS, "ann")).health == "pending"
    assert state.apply("pack-pods", "ADDED", pod_of(mixed, ready=True)) == {(NS, "ann"), (NS, "bob")}
    for agent in ("ann", "bob"):
        found = state.health((NS, agent))
        assert (found.health, found.replicas_ready) == ("running", 1)
        assert found.reason == f"pack {mixed.name}: 1/1 replicas ready"
    state.apply("pack-pods", "MODIFIED", pod_of(mixed, ready=False, crash=True))
    assert {state.health((NS, a)).health for a in ("ann", "bob")} == {"crash-looping"}
    assert state.agents() == {(NS, "ann"), (NS, "bob")}
    # each watch relists its own objects only: the agents' pods relisted leave the pack's pod in place
    state.replace("pods", [])
    state.replace("deployments", [])
    assert {state.health((NS, a)).health for a in ("ann", "bob")} == {"crash-looping"}
    # the pack's pod is no agent's own, and the ingest finds its pack (also by name, before the watch saw it)
    pod = pod_of(mixed, ready=True)["metadata"]["name"]
    assert state.agent_of_pod(NS, pod) is None
    found = state.pack_of_pod(NS, pod)
    assert found is not None and found.members == ("ann", "bob")
    assert state.pack_of_pod(NS, f"{mixed.name}-77c6d9f5b8-q9w8e") == found
    # bob leaves the pack (a Deployment of his own): he is read from it, ann still from the pack
    shrunk = pack_deployment(mixed)
    shrunk["metadata"]["annotations"]["launchpad.dev/pack-agents"] = "ann"
    assert state.apply("pack-deployments", "MODIFIED", shrunk) == {(NS, "ann"), (NS, "bob")}
    assert state.health((NS, "bob")).health == "unknown"
    state.apply("pack-deployments", "DELETED", shrunk)
    assert state.health((NS, "ann")).reason == "no Deployment"


def test_what_a_line_of_a_pack_says_of_its_agent(tmp_path: Path) -> None:
    mixed, _ = packed_fleet(tmp_path)
    info = pack_info(pack_deployment(mixed))
    assert {a: c.name for a, c in info.characters.items()} == {"ann": "Ann", "bob": "Bob"}
    # elizaOS 1.7.2's own stringToUuid (core's bundle, run under Node) gave these
    assert string_to_uuid("Alice") == "35318264-c9a9-0faf-b996-5c270ac80c56"
    assert string_to_uuid("Zoë Bot") == "5d279d8d-c3ff-0079-a614-ab58300604c1"
    assert string_to_uuid("a/b c?") == "bd5d32bc-3500-0770-b064-b35109574666"
    assert string_to_uuid("550E8400-E29B-41D4-A716-446655440000") == "550e8400-e29b-41d4-a716-446655440000"
    assert attribute({"character": "Ann"}, info) == "ann"
    assert attribute({"args": [{"src": "agent", "agentId": string_to_uuid("Bob")}]}, info) == "bob"
    assert attribute({"character": "Bob", "args": [{"agentName": "Bob"}]}, info) == "bob"
    assert attribute({}, info) is None  # a server line: the pack's
    assert attribute({"character": "Ann", "args": [{"agentName": "Bob"}]}, info) is None  # two agents
    assert attribute({"character": "Eve"}, info) is None  # nobody of this pack
    assert attribute({"character": "Ann", "args": [{"agentId": str(uuid.uuid4())}]}, info) is None


def test_every_line_of_a_pack_is_redacted_of_every_members_secrets(tmp_path: Path) -> None:
    mixed, _ = packed_fleet(tmp_path)
    refs = {(secret, key) for _, secret, key in secret_refs(pack_deployment(mixed))}
    assert {("ann-env", "TELEGRAM_BOT_TOKEN"), ("bob-env", "TELEGRAM_BOT_TOKEN")} <= refs  # the members' own
    assert (f"{mixed.name}-pack", "ELIZA_SERVER_AUTH_TOKEN") in refs  # and the server's
    # two members read different values under one env name: both are looked for
    redactor = Redactor([("TELEGRAM_BOT_TOKEN", "111:ann-token-value"), ("TELEGRAM_BOT_TOKEN", "222:bob-token-value")])
    assert redactor.text("a 111:ann-token-value b 222:bob-token-value") == (
        "a [redacted:TELEGRAM_BOT_TOKEN] b [redacted:TELEGRAM_BOT_TOKEN]"
    )


def _otlp(pod: str, lines: list[str]) -> dict[str, Any]:
    attrs = [{"key": k, "value": {"stringValue": v}} for k, v in (
        ("k8s.namespace.name", NS), ("k8s.pod.name", pod), ("k8s.pod.uid", f"uid-{pod}"),
        ("k8s.container.name", "eliza"), ("k8s.container.restart_count", "0"))]  # fmt: skip
    records = [{"timeUnixNano": str(1_796_617_422_000_000_000 + i), "body": {"stringValue": line},
                "attributes": [{"key": "log.file.record_offset", "value": {"intValue": str(i)}}]}
               for i, line in enumerate(lines)]  # fmt: skip
    return {"resourceLogs": [{"resource": {"attributes": attrs}, "scopeLogs": [{"logRecords": records}]}]}


def _json_line(msg: str, character: str | None = None) -> str:
    record: dict[str, Any] = {"levelName": "info", "msg": msg, "args": []}
    if character:
        record["namespace"] = [character]
    return json.dumps(record)


@pytest.mark.postgres
def test_pack_lines_reach_their_agents_owners_and_never_another_owner(tmp_path: Path, telemetry_url: str) -> None:
    mixed, single = packed_fleet(tmp_path)
    ids = {}
    with psycopg.connect(telemetry_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (USER_A, USER_B))
        for name, owner in (("ann", USER_A), ("bob", USER_B), ("cat", USER_A), ("dan", USER_A)):
            ids[name] = str(conn.execute(
                "insert into public.agents (user_id, name, namespace, image) values (%s, %s, %s, 'img')"
                " returning id", (owner, name, NS)).fetchone()[0])  # type: ignore[index]  # fmt: skip
    state = FleetState()
    for pack in (mixed, single):
        state.apply("pack-deployments", "ADDED", pack_deployment(pack))
        state.apply("pack-pods", "ADDED", pod_of(pack, ready=True))
    with psycopg.connect(role_url(telemetry_url, "launchpad_collector"), autocommit=True) as conn:
        db = Database(conn)
        directory = AgentDirectory(db)
        directory.refresh()
        writer, stop = LogWriter(db), threading.Event()
        thread = threading.Thread(target=writer.run, args=(stop,), daemon=True)
        thread.start()
        ingest = LogIngest(directory, SecretValues(None, None, state.deployment_of), writer, LogBudget(100, 100),
                           state.agent_of_pod, state.pack_of_pod)  # fmt: skip
        try:
            for pack in (mixed, single):
                pod = pod_of(pack, ready=True)["metadata"]["name"]
                first, second = (a.character["name"] for a in pack.agents)
                pending = ingest.ingest(records(_otlp(pod, [
                    _json_line(f"{first} says hello", first), _json_line(f"{second} says hello", second),
                    _json_line("HTTP server listening"), "AgentServer is listening on port 3000",
                ]))).pending  # fmt: skip
                assert pending.done.wait(30) and pending.error is None
        finally:
            stop.set()
            thread.join(10)
    assert ingest.stats["pack_attributed"] == 4
    assert ingest.stats["pack_unattributed"] == 2  # the mixed pack's two server lines: no one's to see
    assert ingest.stats["pack_shared"] == 2  # the single owner's pack: each server line once per member

    def seen(user: str) -> set[tuple[str, str, str | None]]:
        with psycopg.connect(telemetry_url) as conn, as_user(conn, user):
            rows = conn.execute("select a.name, l.message, l.context->>'attributed' from public.agent_logs l"
                                " join public.agents a on a.id = l.agent_id").fetchall()  # fmt: skip
        return {(str(n), str(m), a) for n, m, a in rows}

    assert seen(USER_B) == {("bob", "Bob says hello", None)}
    server = {"HTTP server listening", "AgentServer is listening on port 3000"}
    assert seen(USER_A) == {("ann", "Ann says hello", None), ("cat", "Cat says hello", None),
                            ("dan", "Dan says hello", None)} | {(a, m, "pack") for a in ("cat", "dan") for m in server}


@pytest.mark.postgres
def test_a_packs_pod_on_the_control_plane_reaches_each_members_row(
    tmp_path: Path, cluster: LocalCluster, telemetry_url: str
) -> None:
    """The pack's real Deployment on the local control plane (no kubelet: the pod's status written through the
    status subresource, as a kubelet would): each member's row follows the pack's pod, each under its owner."""
    mixed, _ = packed_fleet(tmp_path)
    with psycopg.connect(telemetry_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (USER_A, USER_B))
        for name, owner in (("ann", USER_A), ("bob", USER_B)):
            conn.execute("insert into public.agents (user_id, name, namespace, image) values (%s, %s, %s, 'img')",
                         (owner, name, NS))  # fmt: skip
    cluster.kubectl("create", "namespace", NS)
    # what the platform stack holds: the tier's PriorityClass (pods naming a missing one are refused)
    cluster.kubectl("create", "priorityclass", "launchpad-standard", "--value=1000", check=False)
    objects = pack_manifests(mixed, {k: "placeholder" for k in pack_secret_keys(mixed)})
    for manifest in (objects.service_account, objects.deployment):
        apply(cluster, manifest)

    def rows() -> dict[str, tuple[str, str, str]]:
        with psycopg.connect(telemetry_url) as conn:
            found = conn.execute("select a.name, h.health, h.health_reason, h.user_id::text from public.agent_health h"
                                 " join public.agents a on a.id = h.agent_id").fetchall()  # fmt: skip
        return {str(n): (str(h), str(r), str(u)) for n, h, r, u in found}

    def reach(health: str, timeout: float = 15.0) -> dict[str, tuple[str, str, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = rows()
            if set(found) == {"ann", "bob"} and {h for h, _, _ in found.values()} == {health}:
                return found
            time.sleep(0.1)
        pytest.fail(f"the members did not reach {health!r}: {rows()}")

    config = CollectorConfig(role_url(telemetry_url, "launchpad_collector"), kubeconfig=str(cluster.kubeconfig),
                             scope="pack-test")  # fmt: skip
    with running_collector(config):
        found = reach("pending")
        assert found["ann"][2] == USER_A and found["bob"][2] == USER_B
        assert all(reason.startswith(f"pack {mixed.name}: 0/1 replicas ready") for _, reason, _ in found.values())
        deadline = time.monotonic() + 30
        while not (pods := json.loads(cluster.kubectl("get", "pods", "-n", NS, "-o", "json").stdout)["items"]):
            assert time.monotonic() < deadline, "the ReplicaSet controller made no pod of the pack"
            time.sleep(0.1)
        (pod,) = [p["metadata"]["name"] for p in pods]
        kubelet_status(cluster, pod, ready=True, namespace=NS)
        found = reach("running")
        assert {reason for _, reason, _ in found.values()} == {f"pack {mixed.name}: 1/1 replicas ready"}
        kubelet_status(cluster, pod, ready=False, crash_restarts=4, namespace=NS)
        reach("crash-looping")
        cluster.kubectl("delete", "deployment", mixed.name, "-n", NS, "--wait=false")
        reach("unknown")
