"""The deployer on the dev stack in render mode (its Kubernetes objects written to build/manifests instead of
a cluster): an agent created through the API -> a worker's `up` -> its manifests; replicas -> the rendered
Deployment; pause -> 0 replicas, its Secret kept; delete -> its manifests gone and its row removed. The git
fleet (agents/*.yaml) is deployed by the same `up` and is never changed by it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.deployer.worker import Worker
from tests.e2e.deployer_harness import (
    SECRET_ENV,
    ApiFleet,
    ci_up,
    own_events_only,
    prepare_api_workspace,
    worker,
)
from tests.e2e.workspace import Workspace

STACK = "dev"
AGENT = "api-render"


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Workspace:
    return prepare_api_workspace(workspace)


@pytest.fixture(scope="module")
def api(ws: Workspace) -> ApiFleet:
    fleet = ApiFleet.new(ws.database_url, fleet=STACK, stack=STACK)
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", fleet.sealing_key, "--stack", STACK)
    ci_up(ws)  # the git fleet as CI deployed it: what the deploy workers run the program over
    return fleet


@pytest.fixture(scope="module")
def deployer(ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    found = worker(ws, ws.database_url, tmp_path_factory.mktemp("worker") / "home")
    yield found
    found.close()


def _manifests(ws: Workspace, name: str) -> dict[str, dict[str, Any]]:
    """The rendered objects of agent `name` (its own namespace), by kind."""
    found: dict[str, dict[str, Any]] = {}
    for path in ws.rendered_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and (
                doc["metadata"].get("namespace") == f"agent-{name}" or doc["metadata"]["name"] == f"agent-{name}"
            ):
                found[doc["kind"]] = doc
    return found


def _git_files(ws: Workspace) -> dict[Path, str]:
    return {p: p.read_text() for p in ws.rendered_files() if AGENT not in p.read_text()}


def _drain(deployer: Worker, api: ApiFleet, op_id: str) -> None:
    reports = deployer.drain()
    assert [r.state for r in reports] == ["succeeded"], reports
    op = api.operation(op_id)
    assert op.state == "succeeded", op.error_lines


def test_create_renders_the_agent(ws: Workspace, deployer: Worker, api: ApiFleet) -> None:
    op_id = api.create(AGENT, replicas=1)
    _drain(deployer, api, op_id)
    objects = _manifests(ws, AGENT)
    assert {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "Deployment", "Service", "NetworkPolicy"} <= set(
        objects
    )
    assert objects["Deployment"]["spec"]["replicas"] == 1
    assert api.agent(AGENT)["status"] == "running"  # type: ignore[index]
    assert own_events_only(api.events(op_id), AGENT) == []
    # The worker ran over the git fleet as CI's `up` recorded it (its image holds no agent file): from the
    # checkout, nothing is left to change, not a git agent's object, not a registry row, not the record.
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", "--policy-pack", "policies",
              "--policy-pack-config", "policies/config/dev.json")


def test_replicas_change_the_rendered_deployment_only(ws: Workspace, deployer: Worker, api: ApiFleet) -> None:
    git_before = _git_files(ws)
    op_id = api.scale(AGENT, 2)
    _drain(deployer, api, op_id)
    assert _manifests(ws, AGENT)["Deployment"]["spec"]["replicas"] == 2
    assert _git_files(ws) == git_before  # the files' agents: not one byte changed


def test_pause_renders_zero_replicas_and_keeps_the_secret(ws: Workspace, deployer: Worker, api: ApiFleet) -> None:
    op_id = api.pause(AGENT)
    _drain(deployer, api, op_id)
    objects = _manifests(ws, AGENT)
    assert objects["Deployment"]["spec"]["replicas"] == 0
    assert SECRET_ENV in (objects["Secret"].get("stringData") or objects["Secret"].get("data") or {})
    assert api.agent(AGENT)["status"] == "paused"  # type: ignore[index]


def test_delete_removes_its_manifests_and_row(ws: Workspace, deployer: Worker, api: ApiFleet) -> None:
    op_id = api.delete(AGENT)
    _drain(deployer, api, op_id)
    assert _manifests(ws, AGENT) == {}
    assert api.agent(AGENT) is None
