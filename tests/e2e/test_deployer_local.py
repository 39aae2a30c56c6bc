"""The deployer on the real parts: operations for an agent created through the API (its row and operation
written as the control plane writes them, tests/e2e/deployer_harness.py) -> a worker (services/deployer) claims
them -> ONE `up` of this program with the policy pack through the Automation API -> the agent's objects on the
local Kubernetes API server (the `local` stack: etcd, kube-apiserver, kube-controller-manager). In order:
create, scale, a dry run with a violation (nothing changes), pause (0 replicas, Secret kept), delete (gone).
Each operation reads only its own agent's events, and its agent's status moves as CONTRACT.md says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad.localcluster.cluster import LocalCluster
from services.deployer.worker import Worker
from tests.e2e.deployer_harness import (
    OWNER,
    SECRET_ENV,
    ApiFleet,
    api_spec,
    ci_up,
    local_api_workspace,
    own_events_only,
    worker,
)
from tests.e2e.kube_cluster import get_json, throwaway_cluster, wait_for
from tests.e2e.workspace import Workspace

STACK = "local"
AGENT = "api-web"
NAMESPACE = f"agent-{AGENT}"


@pytest.fixture(scope="module")
def cluster(engine: str) -> Iterator[LocalCluster]:
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def ws(cluster: LocalCluster, database: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("deployer-local")
    return local_api_workspace(base, cluster, database, STACK)


@pytest.fixture(scope="module")
def api(ws: Workspace, database: str) -> ApiFleet:
    fleet = ApiFleet.new(database, fleet=STACK, stack=STACK)
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", fleet.sealing_key, "--stack", STACK)
    ci_up(ws)  # the git fleet as CI deployed it: what the deploy workers run the program over
    return fleet


@pytest.fixture(scope="module")
def deployer(ws: Workspace, database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    found = worker(ws, database, tmp_path_factory.mktemp("worker") / "home")
    yield found
    found.close()


def _deployment(cluster: LocalCluster) -> dict[str, Any] | None:
    out = cluster.kubectl("get", "deployment", AGENT, "-n", NAMESPACE, "--ignore-not-found", "-o", "json").stdout
    return yaml.safe_load(out) if out.strip() else None


def _run_one(deployer: Worker, api: ApiFleet, op_id: str, state: str = "succeeded") -> None:
    """The worker drains the queue: one run, which ends the operation in `state`."""
    reports = deployer.drain()
    assert len(reports) == 1, reports
    op = api.operation(op_id)
    assert (op.state, op.run_id) == (state, reports[0].run_id), (op.error_lines, op.summary)


def test_create_puts_the_agent_on_the_api_server(deployer: Worker, api: ApiFleet, cluster: LocalCluster) -> None:
    op_id = api.create(AGENT, replicas=1, secret="sk-local-not-real")
    assert api.agent(AGENT)["status"] == "pending"  # type: ignore[index]
    _run_one(deployer, api, op_id)
    deployment = _deployment(cluster)
    assert deployment is not None and deployment["spec"]["replicas"] == 1
    # The value its owner posted is in the agent's Secret (sealed in the database, opened by the program).
    secret = get_json(cluster, "secret", f"{AGENT}-env", "-n", NAMESPACE)
    assert SECRET_ENV in secret["data"]
    assert api.agent(AGENT)["status"] == "running"  # type: ignore[index]
    op = api.operation(op_id)
    assert op.summary is not None and op.summary["changes"].get("create", 0) >= 6
    events = api.events(op_id)
    messages = [e.message for e in events]
    assert messages[0] == "up of stack local started"
    assert f"created kubernetes:apps/v1:Deployment {AGENT}-deployment" in messages
    # A coalesced `up` carries every agent of the stack (the example fleet too): none of theirs reached it.
    assert own_events_only(events, AGENT) == []
    assert not any("crypto-trading-bot" in m or "omni-agent" in m for m in messages)


def test_the_control_plane_runs_restricted_on_the_server(cluster: LocalCluster) -> None:
    """The stack deploys the control plane too (Pulumi.local.yaml `controlPlane`): the API, the deploy worker and
    the collector, whose Pods the controllers make and restricted Pod Security admits (no kubelet: never run)."""
    namespace = get_json(cluster, "namespace", "launchpad-system")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    held = {f"{o['kind']}/{o['metadata']['name']}" for o in get_json(
        cluster, "serviceaccounts,secrets,deployments,services,networkpolicies,poddisruptionbudgets,ingresses",
        "-n", "launchpad-system")["items"]}  # fmt: skip
    for service in ("api", "deployer", "collector"):
        for kind in ("ServiceAccount", "Deployment", "Service", "NetworkPolicy", "PodDisruptionBudget"):
            assert f"{kind}/launchpad-{service}" in held, (kind, service)
    assert "Ingress/launchpad-api" in held
    assert get_json(cluster, "clusterrolebinding", "launchpad-deployer")["subjects"][0]["name"] == "launchpad-deployer"

    # As many as the Deployments ask for (the API's two replicas, one worker, one collector): one ReplicaSet each,
    # none rolled by the worker's `up` after CI's (the image holds no agent file: the same tag).
    wanted = sum(d["spec"]["replicas"] for d in get_json(cluster, "deployments", "-n", "launchpad-system")["items"])

    def pods() -> list[dict[str, Any]] | None:
        found = get_json(cluster, "pods", "-n", "launchpad-system")["items"]
        return found if len(found) == wanted else None

    created = wait_for("the control plane's Pods", pods)
    assert {p["status"]["phase"] for p in created} == {"Pending"}
    refused = get_json(cluster, "events", "-n", "launchpad-system", "--field-selector", "reason=FailedCreate")
    assert [e["message"] for e in refused["items"]] == []


def test_replicas_change_the_deployment_there(deployer: Worker, api: ApiFleet, cluster: LocalCluster) -> None:
    op_id = api.scale(AGENT, 3)
    _run_one(deployer, api, op_id)
    deployment = _deployment(cluster)
    assert deployment is not None and deployment["spec"]["replicas"] == 3
    op = api.operation(op_id)
    assert op.summary is not None
    changed = {(r["op"], r["name"]) for r in op.summary["resources"]}
    # More than one replica: a PodDisruptionBudget too, and the Service keeps each client on one pod.
    assert {("update", f"{AGENT}-deployment"), ("create", f"{AGENT}-pdb")} <= changed
    assert all(name.startswith(f"{AGENT}-") for _, name in changed)


def test_a_dry_run_reports_violations_and_changes_nothing(
    deployer: Worker, api: ApiFleet, cluster: LocalCluster
) -> None:
    before = _deployment(cluster)
    candidate = api_spec(AGENT, OWNER, replicas=7)
    candidate["scaling"] = {"minReplicas": 2, "maxReplicas": 7, "targetCPU": 70}
    op_id = api.dry_run(AGENT, candidate)
    _run_one(deployer, api, op_id)
    op = api.operation(op_id)
    assert op.summary is not None
    changed = {r["name"] for r in op.summary["resources"]}
    assert f"{AGENT}-hpa" in changed  # what the candidate would add
    assert _deployment(cluster) == before  # a preview changes nothing on the server
    assert cluster.kubectl("get", "hpa", "-n", NAMESPACE, "-o", "name").stdout.strip() == ""
    # The advisory pack (dev.json) reports its findings for this agent only.
    assert "agent-image-scanned" in {v["policy"] for v in op.violations}  # scan: false on this stack
    assert all(v["resource"]["name"].startswith(AGENT) for v in op.violations)


def test_pause_scales_to_zero_and_keeps_the_secret(deployer: Worker, api: ApiFleet, cluster: LocalCluster) -> None:
    op_id = api.pause(AGENT)
    _run_one(deployer, api, op_id)
    deployment = _deployment(cluster)
    assert deployment is not None and deployment["spec"]["replicas"] == 0
    assert SECRET_ENV in get_json(cluster, "secret", f"{AGENT}-env", "-n", NAMESPACE)["data"]
    assert api.agent(AGENT)["status"] == "paused"  # type: ignore[index]


def test_a_stack_a_lost_worker_left_is_refreshed_from_the_cluster(
    ws: Workspace, deployer: Worker, api: ApiFleet, tmp_path: Path
) -> None:
    """A pending create in the checkpoint (what a worker killed mid-step leaves): on a cluster, recovery reads
    the objects back (`refresh --clear-pending-creates`) before anything else runs on the stack."""
    backend = Path(ws.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    checkpoint = backend / ".pulumi" / "stacks" / "agent-launchpad" / f"{STACK}.json"
    saved = json.loads(checkpoint.read_text())
    latest = saved["checkpoint"]["latest"]
    victim = next(r for r in latest["resources"] if r["urn"].endswith(f"::{AGENT}-deployment"))
    latest["pending_operations"] = [{"resource": victim, "type": "creating"}]
    checkpoint.write_text(json.dumps(saved))
    lines = deployer.engine.recover(STACK, renders=False)
    assert lines[1:] == [
        "refreshed the state from the cluster (1 pending operation(s) left by the lost worker)",
        "the stack is clear: no lock, no pending operation",
    ], lines
    assert "pending_operations" not in ws.export(STACK)["deployment"]
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", "--policy-pack", "policies",
              "--policy-pack-config", "policies/config/dev.json")  # fmt: skip


def test_delete_removes_every_object_and_the_row(deployer: Worker, api: ApiFleet, cluster: LocalCluster) -> None:
    op_id = api.delete(AGENT)
    _run_one(deployer, api, op_id)
    assert _deployment(cluster) is None
    assert cluster.kubectl("get", "namespace", NAMESPACE, "--ignore-not-found", "-o", "name").stdout.strip() in (
        "",
        f"namespace/{NAMESPACE}",  # terminating: the namespace controller empties it
    )
    assert api.agent(AGENT) is None  # its row went once its objects did
    op = api.operation(op_id)
    assert op.state == "succeeded" and op.summary is not None and op.summary["changes"].get("delete", 0) >= 6
