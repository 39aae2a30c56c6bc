"""The dashboard end to end on the local stack, in Debian's chromium: the same user story as on the dev stack
(tests/dashboard/test_e2e_dev.py), with the deploy worker applying each change to the local Kubernetes control
plane (`python -m launchpad local-cluster`: etcd, kube-apiserver, kube-controller-manager) instead of rendering
it. The agent created from the design's Discord example gets its Deployment on the API server; the web agent
created with the form is scaled to 2 there; pausing sets 0 replicas and keeps its Secret; its log tail follows
lines as they are stored; deleting removes its Deployment; a second user reaches none of it. Screenshots:
build/screenshots/local-*.png."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, expect

from launchpad.localcluster.cluster import LocalCluster
from launchpad.sealed import new_key
from tests.dashboard import scenario as s
from tests.dashboard.browser import chromium, context
from tests.dashboard.build import built
from tests.dashboard.servers import ApiServer
from tests.e2e.deployer_harness import (
    ci_up,
    local_api_workspace,
    start_worker_process,
    stop,
)
from tests.e2e.kube_cluster import get_json, throwaway_cluster
from tests.e2e.workspace import DB_PASSWORD, Workspace

pytestmark = [pytest.mark.postgres, pytest.mark.engine]
STACK = "local"
USER_A, USER_B = "ada@example.test", "bob@example.test"


@pytest.fixture(scope="module")
def cluster(engine: str) -> Iterator[LocalCluster]:
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def ws(cluster: LocalCluster, database: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("dashboard-local")
    return local_api_workspace(base, cluster, database, STACK)


@pytest.fixture(scope="module")
def key(ws: Workspace) -> str:
    found = new_key()
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", found, "--stack", STACK)
    return found


@pytest.fixture(scope="module")
def server(ws: Workspace, key: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    built()
    api_url = ws.database_url.replace(f"postgres:{DB_PASSWORD}@", "launchpad_api@")
    found = ApiServer(ws.project, STACK, api_url, ws.database_url, key, tmp_path_factory.mktemp("api") / "api.log")
    found.start()
    yield found
    found.stop()


@pytest.fixture(scope="module")
def deployer(ws: Workspace, key: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    ci_up(ws)  # the git fleet as CI deployed it: what the deploy worker runs the program over
    process = start_worker_process(ws, ws.database_url, tmp_path_factory.mktemp("worker") / "home",
                                   "--stack", STACK, "--poll-seconds", "2")
    yield
    stop(process)


def _deployment(cluster: LocalCluster, name: str) -> dict[str, Any] | None:
    out = cluster.kubectl("get", "deployment", name, "-n", f"agent-{name}", "--ignore-not-found", "-o",
                          "json").stdout
    return yaml.safe_load(out) if out.strip() else None


@pytest.fixture(scope="module")
def stack(ws: Workspace, server: ApiServer, cluster: LocalCluster) -> s.Stack:
    def deployed(name: str) -> int | None:
        found = _deployment(cluster, name)
        return None if found is None else int(found["spec"]["replicas"])

    return s.Stack(server.base, ws.database_url, deployed, "local")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def ada(browser: Browser, server: ApiServer, deployer: None) -> Iterator[Page]:
    ctx = context(browser, server.base)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="module")
def ada_phone(browser: Browser, server: ApiServer) -> Iterator[BrowserContext]:
    ctx = context(browser, server.base, phone=True)
    yield ctx
    ctx.close()


def test_sign_in_and_create_from_the_design_example(ada: Page, ada_phone: BrowserContext, stack: s.Stack,
                                                    cluster: LocalCluster) -> None:
    s.sign_in(ada, USER_A)
    session = ada.evaluate("() => localStorage.getItem('launchpad-dev-session')")
    ada_phone.add_init_script(f"localStorage.setItem('launchpad-dev-session', {json.dumps(session)})")
    s.paste(ada, s.fixed_discord_example())
    expect(ada).to_have_url(re.compile(f"/agents/{s.DISCORD}$"))
    panel = ada.locator("[data-operation]")
    s.wait_status(ada, "running")
    expect(panel).to_have_attribute("data-state", "succeeded")
    expect(panel.locator("ol.events")).to_contain_text(f"created kubernetes:apps/v1:Deployment {s.DISCORD}-deployment")
    assert stack.deployed_replicas(s.DISCORD) == 1
    secret = get_json(cluster, "secret", f"{s.DISCORD}-env", "-n", f"agent-{s.DISCORD}")
    assert {"DISCORD_API_TOKEN", "OPENAI_API_KEY", "POSTGRES_URL"} <= set(secret["data"])
    s.look(ada, stack, "agent", phone_too=ada_phone)


def test_a_web_agent_from_the_form_scaled_to_two(ada: Page, stack: s.Stack) -> None:
    s.create_web_agent_with_the_form(ada)
    s.wait_status(ada, "running")
    assert stack.deployed_replicas(s.WEB) == 1
    before = s.current_operation(ada)
    ada.get_by_label("Replicas").fill("2")
    ada.get_by_role("button", name="Scale").click()
    s.wait_operation(ada, before)
    s.wait_status(ada, "running")
    assert stack.deployed_replicas(s.WEB) == 2


def test_logs(ada: Page, stack: s.Stack) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    expect(ada.locator("[data-live='open']")).to_be_visible()
    s.write_logs(stack, s.DISCORD, [("info", "logged in as TradingBot#0001"), ("error", "gateway closed: 4004")])
    expect(ada.locator(".logbox")).to_contain_text("gateway closed: 4004")
    ada.get_by_label("Minimum level").select_option("error")
    assert [m for _, m in s.shown_lines(ada)] == ["gateway closed: 4004"]


def test_pause_keeps_the_secret(ada: Page, stack: s.Stack, cluster: LocalCluster) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    s.wait_status(ada, "running")
    before = s.current_operation(ada)
    ada.get_by_role("button", name="Pause").click()
    s.wait_operation(ada, before)
    s.wait_status(ada, "paused")
    assert stack.deployed_replicas(s.DISCORD) == 0
    assert "DISCORD_API_TOKEN" in get_json(cluster, "secret", f"{s.DISCORD}-env", "-n", f"agent-{s.DISCORD}")["data"]


def test_a_second_user_reaches_none_of_it(browser: Browser, server: ApiServer, stack: s.Stack) -> None:
    ctx = context(browser, server.base, phone=True)
    bob = ctx.new_page()
    try:
        s.sign_in(bob, USER_B)
        expect(bob.get_by_text("You have no agents yet.")).to_be_visible()
        bob.goto(f"/agents/{s.WEB}")
        expect(bob.get_by_test_id("not-found")).to_have_text(f"no agent named '{s.WEB}'. Your agents.")
    finally:
        ctx.close()


def test_the_list_and_delete(ada: Page, ada_phone: BrowserContext, stack: s.Stack) -> None:
    ada.goto("/")
    expect(ada.locator("table.agents tbody tr")).to_have_count(2)
    s.look(ada, stack, "list", phone_too=ada_phone)
    ada.goto(f"/agents/{s.DISCORD}")
    ada.get_by_role("button", name="Delete…").click()
    dialog = ada.get_by_role("dialog")
    dialog.get_by_label(re.compile("to confirm")).fill(s.DISCORD)
    dialog.get_by_role("button", name=f"Delete {s.DISCORD}").click()
    expect(ada.get_by_test_id("deleted")).to_be_visible(timeout=s.DEPLOY_TIMEOUT_MS)
    assert stack.row(s.DISCORD) is None and stack.deployed_replicas(s.DISCORD) is None
    ada.goto("/")
    expect(ada.locator("table.agents tbody tr")).to_have_count(1)
