"""The dashboard end to end on the dev stack, in Debian's chromium: `python -m launchpad api serve` (the stack's
settings, its dev-only sign-in, the dashboard) and a deploy worker (`python -m launchpad deployer run`, the real
engine, render mode) over one PostgreSQL, a copy of the project (tests/e2e/workspace.py). A new user signs in,
pastes the design's Discord example and meets its problems at their lines, fixes them as the messages say and
creates it, creates a web agent with the form; each reaches `running` through the worker's `up` while its page
shows the operation and its engine events live; scaling the Discord bot is refused at the field, the web agent
scales; resources are edited; the log tail follows lines as they are stored, with a level filter, through a
killed and restarted server without losing or doubling one; pause; delete. A second user in a second browser
context sees none of it: not in the list, not on the stream, not by typing the URL. Every page is screenshot
at desktop and 375 px (build/screenshots/dev-*.png) and held to axe-core."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, expect

from launchpad.sealed import new_key
from tests.api.design_requests import DISCORD_TRADING_BOT
from tests.api.sse_client import SseClient
from tests.dashboard import scenario as s
from tests.dashboard.browser import chromium, context
from tests.dashboard.build import built
from tests.dashboard.servers import ApiServer
from tests.e2e.deployer_harness import start_worker_process, stop, web_agent_yaml
from tests.e2e.workspace import DB_PASSWORD, Workspace
from tests.fleet.fleet_files import write_locks

pytestmark = [pytest.mark.postgres, pytest.mark.engine]
POLICY = ("--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json")
USER_A, USER_B = "ada@example.test", "bob@example.test"
PINNED = ("must be an npm package pinned to an exact version, e.g. '@elizaos/plugin-discord@1.3.8' (ranges and "
          "tags such as ^1.3, latest float and are refused)")


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Workspace:
    # A lockfile for the web agents' plugin set (sql, bootstrap, openai), as the platform team commits one.
    seed = workspace.project / "agents" / "lock-seed.yaml"
    seed.write_text(web_agent_yaml("lock-seed", "3f2b8c1d-6e4a-4d7b-9a1c-2e5f8b7d6c40"))
    write_locks(workspace.project / "agents")
    seed.unlink()
    workspace.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)  # the schema and the git agents
    return workspace


@pytest.fixture(scope="module")
def key(ws: Workspace) -> str:
    found = new_key()
    ws.pulumi("config", "set", "--secret", "apiSecretsKey", found, "--stack", "dev")
    return found


@pytest.fixture(scope="module")
def server(ws: Workspace, key: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    built()
    api_url = ws.database_url.replace(f"postgres:{DB_PASSWORD}@", "launchpad_api@")
    found = ApiServer(ws.project, "dev", api_url, ws.database_url, key, tmp_path_factory.mktemp("api") / "api.log")
    found.start()
    yield found
    found.stop()


@pytest.fixture(scope="module")
def deployer(ws: Workspace, key: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    process = start_worker_process(ws, ws.database_url, tmp_path_factory.mktemp("worker") / "home",
                                   "--stack", "dev", "--poll-seconds", "2")
    yield
    stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def stack(ws: Workspace, server: ApiServer) -> s.Stack:
    def deployed(name: str) -> int | None:
        for path in ws.rendered_files():
            for doc in yaml.safe_load_all(path.read_text()):
                meta = (doc or {}).get("metadata") or {}
                if doc and doc.get("kind") == "Deployment" and (meta.get("labels") or {}).get(
                        "launchpad.dev/agent") == name:
                    return int(doc["spec"]["replicas"])
        return None

    return s.Stack(server.base, ws.database_url, deployed, "dev")


@pytest.fixture(scope="module")
def ada(browser: Browser, server: ApiServer, deployer: None) -> Iterator[Page]:
    ctx = context(browser, server.base)
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.fixture(scope="module")
def ada_phone(browser: Browser, server: ApiServer, ada: Page) -> Iterator[BrowserContext]:
    """The same user at 375 px: the same origin's storage is per context, so the phone signs in too."""
    ctx = context(browser, server.base, phone=True)
    yield ctx  # signed in by test_sign_in with Ada's session
    ctx.close()


def _copy_session(source: Page, target: BrowserContext) -> None:
    session = source.evaluate("() => localStorage.getItem('launchpad-dev-session')")
    target.add_init_script(f"localStorage.setItem('launchpad-dev-session', {json.dumps(session)})")


def test_sign_in(ada: Page, ada_phone: BrowserContext, stack: s.Stack) -> None:
    ada.goto("/")
    expect(ada).to_have_url(re.compile(r"/sign-in$"))
    s.look(ada, stack, "sign-in", phone_too=ada_phone)  # the phone is not signed in yet either
    s.sign_in(ada, USER_A)
    expect(ada.get_by_text("You have no agents yet.")).to_be_visible()  # the example fleet is someone else's
    _copy_session(ada, ada_phone)


def test_an_invalid_paste_shows_each_problem_at_its_line(ada: Page, ada_phone: BrowserContext,
                                                         stack: s.Stack) -> None:
    s.paste(ada, DISCORD_TRADING_BOT)  # byte for byte as the design's curl sends it
    problems = s.paste_problems(ada)
    assert problems == [(s.line_of(DISCORD_TRADING_BOT, '"agentName"'), "/agentName",
                         "defined in git by agents/crypto-trading-bot.yaml")]
    expect(ada.locator("#paste-errors")).to_contain_text(
        "agent name 'crypto-trading-bot' is taken by the agent file agents/crypto-trading-bot.yaml in git")
    renamed = DISCORD_TRADING_BOT.replace('"crypto-trading-bot"', f'"{s.DISCORD}"')
    s.paste(ada, renamed)
    text = renamed
    assert sorted(s.paste_problems(ada)) == sorted([
        (s.line_of(text, "project_ref"), "/supabase_config/project_ref",
         "no elizaOS 1.7.2 plugin reads a Supabase project ref: the agent's database is "
         "`supabase_config.database_url` (kept sealed, as POSTGRES_URL); remove project_ref"),
        (s.line_of(text, '"personality"'), "/character/personality",
         "`personality` is not allowed here: elizaOS 1.7.2 characters have no `personality`: describe it with "
         "`adjectives` (a list of traits) and `style`, or in `system` (the system prompt)"),
        (1, "/model", "required field is missing: the model the agent talks to, e.g. `model: {provider: openai, "
                      "name: gpt-4o-mini}`"),  # missing: at the object it belongs in
        (s.line_of(text, "plugin-web3"), "/plugins/1", PINNED),
        (s.line_of(text, "plugin-coingecko"), "/plugins/2", PINNED),
    ])
    expect(ada.locator("#paste-errors")).to_contain_text("5 problem(s); nothing was created or changed")
    assert s.Stack.row(stack, s.DISCORD) is None  # nothing was written
    s.look(ada, stack, "new-agent-errors")
    phone = ada_phone.new_page()
    s.paste(phone, renamed)
    assert sorted(s.paste_problems(phone)) == sorted(s.paste_problems(ada))
    s.look(phone, stack, "new-agent-errors-375")
    phone.close()
    # The same paste as YAML points at the same lines of the YAML.
    as_yaml = yaml.safe_dump(json.loads(renamed), sort_keys=False)
    s.paste(ada, as_yaml)
    lines = {pointer: line for line, pointer, _ in s.paste_problems(ada)}
    assert lines["/character/personality"] == s.line_of(as_yaml, "personality:")
    assert lines["/plugins/2"] == s.line_of(as_yaml, "plugin-coingecko")
    # Text that is neither says where it stops being either.
    s.paste(ada, '{"agentName": "x",\n  "character": {]\n}')
    expect(ada.locator("#paste-errors [data-line='2']")).to_contain_text("Line 2: not valid JSON or YAML")


def test_create_from_the_design_example_and_watch_it_run(ada: Page, ada_phone: BrowserContext,
                                                         stack: s.Stack) -> None:
    s.paste(ada, s.fixed_discord_example())
    expect(ada).to_have_url(re.compile(f"/agents/{s.DISCORD}$"))
    expect(ada.get_by_role("heading", name=s.DISCORD)).to_be_visible()
    # The operation and its engine events, live, while the worker's `up` runs; then the agent is running.
    panel = ada.locator("[data-operation]")
    expect(panel).to_contain_text("create")
    s.wait_status(ada, "running")
    expect(panel).to_have_attribute("data-state", "succeeded")
    expect(panel.locator("ol.events")).to_contain_text(f"created kubernetes:apps/v1:Deployment {s.DISCORD}-deployment")
    assert stack.deployed_replicas(s.DISCORD) == 1
    row = stack.row(s.DISCORD)
    assert row is not None and row["status"] == "running"
    # What was posted is sealed: the page names the secrets, never a value.
    page_text = ada.content()
    assert "DISCORD_API_TOKEN" in page_text and "discord-token-e2e-value" not in page_text
    s.look(ada, stack, "agent", phone_too=ada_phone)


def test_a_web_agent_from_the_form(ada: Page, stack: s.Stack) -> None:
    s.create_web_agent_with_the_form(ada)
    s.wait_status(ada, "running")
    assert stack.deployed_replicas(s.WEB) == 1
    ada.goto("/")
    rows = ada.locator("table.agents tbody tr")
    expect(rows).to_have_count(2)
    expect(ada.locator(f"tr[data-agent='{s.WEB}'] [data-status='running']").first).to_be_visible()


def test_scale(ada: Page, stack: s.Stack) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    ada.get_by_label("Replicas").fill("2")
    ada.get_by_role("button", name="Scale").click()
    error = ada.locator("#replicas-error")
    expect(error).to_contain_text("discord in gateway mode allows one replica per bot identity")
    expect(ada.get_by_label("Replicas")).to_have_attribute("aria-invalid", "true")
    ada.goto(f"/agents/{s.WEB}")
    s.wait_status(ada, "running")
    before = s.current_operation(ada)
    ada.get_by_label("Replicas").fill("2")
    ada.get_by_role("button", name="Scale").click()
    s.wait_operation(ada, before)
    s.wait_status(ada, "running")
    assert stack.deployed_replicas(s.WEB) == 2


def test_edit_resources(ada: Page, stack: s.Stack) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    s.wait_status(ada, "running")
    before = s.current_operation(ada)
    ada.get_by_label("Memory limit").fill("1536Mi")
    ada.get_by_role("button", name="Save resources").click()
    s.wait_operation(ada, before)
    s.wait_status(ada, "running")
    expect(ada.get_by_text("memory 1Gi / 1536Mi")).to_be_visible()


def test_logs_follow_through_a_dropped_connection(ada: Page, stack: s.Stack, server: ApiServer) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    expect(ada.locator("[data-live='open']")).to_be_visible()
    s.write_logs(stack, s.DISCORD, [("info", "connected to the gateway"), ("debug", "heartbeat ack"),
                                    ("warn", "rate limited for 2 s"), ("error", "COINGECKO timeout")])
    expect(ada.locator(".logbox")).to_contain_text("COINGECKO timeout")
    assert [m for _, m in s.shown_lines(ada)] == ["connected to the gateway", "rate limited for 2 s",
                                                  "COINGECKO timeout"]  # info and worse by default
    ada.get_by_label("Minimum level").select_option("warn")
    assert [m for _, m in s.shown_lines(ada)] == ["rate limited for 2 s", "COINGECKO timeout"]
    ada.get_by_label("Minimum level").select_option("debug")
    assert len(s.shown_lines(ada)) == 4
    # The server dies mid-stream; lines are stored while it is down; it comes back on the same port.
    server.kill()
    expect(ada.locator("[data-live='retrying']")).to_be_visible()
    s.write_logs(stack, s.DISCORD, [("info", f"while down {i}") for i in range(5)])
    server.start()
    s.write_logs(stack, s.DISCORD, [("info", f"after {i}") for i in range(3)])
    expect(ada.locator(".logbox")).to_contain_text("after 2", timeout=30_000)
    time.sleep(1.0)
    shown = s.shown_lines(ada)
    messages = [m for _, m in shown]
    assert messages[4:] == [f"while down {i}" for i in range(5)] + [f"after {i}" for i in range(3)]
    assert len({seq for seq, _ in shown}) == len(shown) == 12  # none lost, none twice


def test_health_usage_and_alerts(ada: Page, ada_phone: BrowserContext, stack: s.Stack) -> None:
    """What the collector writes reaches the page live: observed health, CPU and memory against the agent's
    request and limit over the last hour, the alert history."""
    now = datetime.now(UTC)
    s.write_metrics(stack, s.DISCORD, [(m, v, now - timedelta(minutes=55 - 5 * i))
                                       for i in range(12)
                                       for m, v in (("cpu_cores", 0.05 + 0.02 * i), ("memory_limit_ratio", 0.3))])
    ada.goto(f"/agents/{s.DISCORD}")
    expect(ada.locator("[data-live='open']")).to_be_visible()
    s.observe(stack, s.DISCORD, "running", ready=1)
    expect(ada.get_by_test_id("health").locator("[data-status='running']")).to_be_visible()
    expect(ada.get_by_test_id("replicas")).to_contain_text("1 ready of 1")
    cpu = ada.locator("figure.chart svg").first
    expect(cpu).to_have_attribute("data-samples", "12")
    label = cpu.get_attribute("aria-label") or ""
    assert label.startswith("CPU over the last hour: latest 270m; request 500m, limit 500m"), label
    memory = ada.locator("figure.chart svg").nth(1).get_attribute("aria-label") or ""
    assert memory.startswith("Memory over the last hour: latest 461 MiB; request 1.00 GiB, limit 1.50 GiB"), memory
    s.write_metrics(stack, s.DISCORD, [("cpu_cores", 0.4, datetime.now(UTC))])  # live
    expect(cpu).to_have_attribute("data-samples", "13")
    s.alert(stack, s.DISCORD, "AgentHighMemory", "warning", "trading-desk uses 92% of its memory limit")
    s.alert(stack, s.DISCORD, "AgentRestarting", "critical", "trading-desk restarted 3 times in 10 minutes")
    s.alert(stack, s.DISCORD, "AgentRestarting", "critical", "trading-desk restarted 3 times in 10 minutes",
            resolved=True)
    alerts = ada.locator("table.alerts tbody tr")
    expect(alerts).to_have_count(2)
    expect(alerts.filter(has_text="AgentRestarting")).to_contain_text("resolved")
    expect(alerts.filter(has_text="AgentHighMemory")).to_contain_text("open")
    s.look(ada, stack, "agent-logs-charts", phone_too=ada_phone)


def test_a_second_user_sees_none_of_it(browser: Browser, server: ApiServer, ada: Page, stack: s.Stack) -> None:
    bob_ctx = context(browser, server.base, phone=True)
    bob = bob_ctx.new_page()
    try:
        s.sign_in(bob, USER_B)
        expect(bob.get_by_text("You have no agents yet.")).to_be_visible()
        # Typing Ada's agent's URL: the same answer as a name nobody has.
        bob.goto(f"/agents/{s.DISCORD}")
        expect(bob.get_by_test_id("not-found")).to_have_text(f"no agent named '{s.DISCORD}'. Your agents.")
        bob.goto("/agents/no-such-agent")
        expect(bob.get_by_test_id("not-found")).to_have_text("no agent named 'no-such-agent'. Your agents.")
        # Bob's own stream, with his own session's token, while Ada's agents change and log.
        token = json.loads(bob.evaluate("() => localStorage.getItem('launchpad-dev-session')"))["access_token"]
        stream = SseClient(f"{server.base}/api/events", {"Authorization": f"Bearer {token}"})
        bob.goto("/")
        expect(bob.locator("[data-live='open']")).to_be_visible()
        s.write_logs(stack, s.DISCORD, [("error", "for Ada's eyes only")])
        ada.goto(f"/agents/{s.DISCORD}")
        expect(ada.locator(".logbox")).to_contain_text("for Ada's eyes only")
        assert stream.quiet(2.0) == []
        stream.close()
        expect(bob.get_by_text("You have no agents yet.")).to_be_visible()
        assert bob.locator("table.agents").count() == 0
        s.look(bob, stack, "second-user-list")
    finally:
        bob_ctx.close()


def test_pause(ada: Page, stack: s.Stack) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    s.wait_status(ada, "running")
    before = s.current_operation(ada)
    ada.get_by_role("button", name="Pause").click()
    s.wait_operation(ada, before)
    s.wait_status(ada, "paused")
    expect(ada.get_by_role("button", name="Resume")).to_be_visible()
    assert stack.deployed_replicas(s.DISCORD) == 0
    row = stack.row(s.DISCORD)
    assert row is not None and row["paused"] is True


def test_the_list(ada: Page, ada_phone: BrowserContext, stack: s.Stack) -> None:
    ada.goto("/")
    expect(ada.locator(f"tr[data-agent='{s.DISCORD}'] [data-status='paused']").first).to_be_visible()
    expect(ada.locator(f"tr[data-agent='{s.WEB}'] td[data-label='Replicas']")).to_contain_text("/2")
    s.look(ada, stack, "list", phone_too=ada_phone)


def test_new_agent_page_at_both_widths(ada: Page, ada_phone: BrowserContext, stack: s.Stack) -> None:
    ada.goto("/agents/new")
    expect(ada.get_by_role("heading", name="New agent")).to_be_visible()
    s.look(ada, stack, "new-agent", phone_too=ada_phone)


def test_delete_with_confirmation(ada: Page, stack: s.Stack) -> None:
    ada.goto(f"/agents/{s.DISCORD}")
    ada.get_by_role("button", name="Delete…").click()
    dialog = ada.get_by_role("dialog")
    confirm = dialog.get_by_role("button", name=f"Delete {s.DISCORD}")
    expect(confirm).to_be_disabled()
    dialog.get_by_label(re.compile("to confirm")).fill(s.DISCORD)
    expect(confirm).to_be_enabled()
    s.look(ada, stack, "delete-dialog")
    confirm.click()
    expect(ada.get_by_test_id("deleted")).to_have_text(f"{s.DISCORD} was deleted. Your agents.",
                                                        timeout=s.DEPLOY_TIMEOUT_MS)
    assert stack.row(s.DISCORD) is None and stack.deployed_replicas(s.DISCORD) is None
    ada.goto("/")
    expect(ada.locator("table.agents tbody tr")).to_have_count(1)


def test_screenshots_were_written(stack: s.Stack) -> None:
    assert len(stack.shots) >= 12 and all(Path(p).stat().st_size > 5_000 for p in stack.shots)
