"""What a new user does in the dashboard, step by step, the same on every stack (tests/dashboard/test_e2e_*.py
give each step the stack: the dev stack renders manifests, the local one applies them to a Kubernetes API
server). The user signs in, pastes the design's Discord example and is told where it is wrong, fixes it as the
messages say and creates it, creates a web agent with the form, watches both reach their state, scales, edits
resources, pauses, reads the logs as they come (through a dropped connection), and deletes. Every wait is for
something on the page; every claim is checked against the database or what was deployed."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from playwright.sync_api import BrowserContext, Page, expect

from launchpad.db.repository.telemetry.alerts import upsert_alerts
from launchpad.db.repository.telemetry.health import apply_observations
from launchpad.db.repository.telemetry.logs import copy_logs
from launchpad.db.repository.telemetry.metrics import copy_metrics
from launchpad.db.repository.telemetry.types import AgentRef, AlertNotice, LogLine, MetricSample, Observation
from tests.api.design_requests import DISCORD_TRADING_BOT
from tests.dashboard.browser import no_horizontal_scroll, serious_axe_violations, shoot
from tests.db.telemetry_seed import role_url

DEPLOY_TIMEOUT_MS = 600_000  # one `up` of the stack by the deploy worker, on a loaded 2-core machine
DISCORD = "trading-desk"  # the design's crypto-trading-bot is an agent file in git: the user picks another name
WEB = "helper-web"


def fixed_discord_example(name: str = DISCORD) -> str:
    """The design's Discord trading bot, changed only where the platform refused it and as its messages say
    (tests/api/test_design_requests.py _fixed): another name, adjectives for `personality`, the plugins the
    platform pins, a model, the secrets its platform and model read, a database URL instead of a project ref."""
    body: dict[str, Any] = json.loads(DISCORD_TRADING_BOT)
    body["agentName"] = name
    body["character"]["adjectives"] = ["Professional", "analytical", "helpful"]
    del body["character"]["personality"]
    body["plugins"] = ["@elizaos/plugin-discord"]
    body["model"] = {"provider": "openai", "name": "gpt-4o-mini"}
    body["environment"] = {"DISCORD_APPLICATION_ID": "123456789012", "DISCORD_API_TOKEN": "discord-token-e2e-value",
                           "OPENAI_API_KEY": "sk-openai-e2e-value"}
    body["supabase_config"] = {"database_url": "postgresql://trader:e2e-db-value@db.example.test:5432/trader"}
    return json.dumps(body, indent=2)


@dataclass
class Stack:
    """What a step needs of the stack under test."""

    base: str
    owner_url: str  # the database, as its owner: for the checks, and to write as the collector does
    deployed_replicas: Callable[[str], int | None]  # the agent's Deployment replicas as deployed; None: absent
    screenshots: str  # file name prefix under build/screenshots/
    shots: list[str] = field(default_factory=list)

    def row(self, name: str) -> dict[str, Any] | None:
        with psycopg.connect(self.owner_url) as conn:
            found = conn.execute("select id::text, user_id::text, status, paused, namespace from public.agents"
                                 " where name = %s", (name,)).fetchone()
        keys = ("id", "user_id", "status", "paused", "namespace")
        return None if found is None else dict(zip(keys, found, strict=True))

    def ref(self, name: str) -> AgentRef:
        row = self.row(name)
        assert row is not None, name
        return AgentRef(row["id"], row["user_id"], name, row["namespace"])

    def as_collector(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(role_url(self.owner_url, "launchpad_collector"), autocommit=True)


def look(page: Page, stack: Stack, name: str, *, phone_too: BrowserContext | None = None) -> None:
    """Screenshot the page as it is (and the same path at phone width in `phone_too`), and hold it to axe-core
    and, at phone width, to no sideways scrolling."""
    found = serious_axe_violations(page)
    assert found == [], (page.url, found)
    width = page.viewport_size["width"] if page.viewport_size else 0
    if width <= 400:
        assert no_horizontal_scroll(page), f"{page.url} scrolls sideways at {width} px"
    kind = "phone" if width <= 400 else "desktop"
    stack.shots.append(str(shoot(page, f"{stack.screenshots}-{name.removesuffix('-375')}-{kind}")))
    if phone_too is not None:
        phone = phone_too.new_page()
        try:
            phone.goto(page.url)
            phone.locator("h1").first.wait_for()  # a page that holds a stream open is never "network idle"
            expect(phone.locator("p[role='status']:has-text('Loading')")).to_have_count(0)
            time.sleep(0.5)
            found = serious_axe_violations(phone)
            assert found == [], (phone.url, found)
            assert no_horizontal_scroll(phone), f"{phone.url} scrolls sideways at 375 px"
            stack.shots.append(str(shoot(phone, f"{stack.screenshots}-{name}-phone")))
        finally:
            phone.close()


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", name="Dev-only sign-in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in (dev)").click()
    expect(page.get_by_role("heading", name="Your agents")).to_be_visible()
    expect(page.get_by_test_id("user-email")).to_have_text(email)


def paste(page: Page, text: str) -> None:
    page.goto("/agents/new")
    box = page.get_by_label("Request body (JSON or YAML)")
    box.fill(text)
    page.get_by_role("button", name="Create from paste").click()


def paste_problems(page: Page) -> list[tuple[int, str, str]]:
    """(line of the paste, JSON pointer, message) of every problem shown under the paste box."""
    summary = page.locator("#paste-errors .error-summary")
    expect(summary).to_be_visible()
    found = []
    for item in page.locator("#paste-errors ol.annotated > li").all():
        line = int(item.get_attribute("data-line") or 0)
        for problem in item.locator("ul > li").all():
            pointer = problem.get_attribute("data-pointer") or ""
            text = problem.inner_text()
            found.append((line, pointer, text.split(": ", 1)[1] if ": " in text else text))
    return found


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the paste")


def wait_status(page: Page, status: str, timeout: float = DEPLOY_TIMEOUT_MS) -> None:
    expect(page.get_by_test_id("status").locator(f"[data-status='{status}']")).to_be_visible(timeout=timeout)


def current_operation(page: Page) -> str:
    """The operation the agent's page shows now (every agent here has one: its create)."""
    found = page.locator("[data-operation]")
    found.wait_for()
    return found.get_attribute("data-operation") or ""


def wait_operation(page: Page, before: str, state: str = "succeeded", timeout: float = DEPLOY_TIMEOUT_MS) -> None:
    """The change just made (an operation other than `before`) has been applied by the worker's `up`."""
    done = page.locator(f"[data-operation]:not([data-operation='{before}'])[data-state='{state}']")
    expect(done).to_be_visible(timeout=timeout)


def create_web_agent_with_the_form(page: Page, name: str = WEB) -> None:
    page.goto("/agents/new")
    form = page.locator("form", has=page.get_by_role("heading", name="Describe it"))
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Description (optional)").fill("Answers on the HTTP API.")
    form.get_by_label("Character name").fill("Helper")
    form.get_by_label("Bio").fill("A helpful assistant on the web.")
    form.get_by_label("Traits (comma-separated, optional)").fill("patient, concise")
    form.get_by_label("web").check()
    form.get_by_label("Provider").select_option("openai")
    form.get_by_label("Model name (optional)").fill("gpt-4o-mini")
    form.get_by_label("Name of secret 1").fill("OPENAI_API_KEY")
    form.get_by_label("Value of secret 1").fill("sk-web-e2e-value")
    form.get_by_label("Database URL (optional, needed for more than one replica)").fill(
        "postgresql://helper:e2e-web-db@db.example.test:5432/helper")
    form.get_by_role("button", name="Create agent").click()
    expect(page).to_have_url(re.compile(f"/agents/{name}$"))


def write_logs(stack: Stack, name: str, lines: list[tuple[str, str]]) -> None:
    """Log lines as the collector stores them (its repository, its role): what reaches the dashboard from there
    on is the control plane's (NOTIFY, the live hub, SSE, the page)."""
    ref, now = stack.ref(name), datetime.now(UTC)
    with stack.as_collector() as conn:  # one millisecond apart, as a process prints them
        copy_logs(conn, [LogLine(str(uuid.uuid4()), ref, level, message, {"pod": f"{name}-0"},
                                 now + timedelta(milliseconds=i)) for i, (level, message) in enumerate(lines)])


def write_metrics(stack: Stack, name: str, samples: list[tuple[str, float, datetime]]) -> None:
    ref = stack.ref(name)
    with stack.as_collector() as conn:
        copy_metrics(conn, [MetricSample(ref, metric, value, at) for metric, value, at in samples])


def observe(stack: Stack, name: str, health: str, ready: int, reason: str = "") -> None:
    """The agent's health as the collector writes what it saw of its pods."""
    with stack.as_collector() as conn:
        apply_observations(conn, [Observation(stack.ref(name), health, 1, ready, 0, reason, datetime.now(UTC))],
                           scope="e2e", versions={})


def alert(stack: Stack, name: str, alertname: str, severity: str, summary: str, *, resolved: bool = False) -> None:
    """An Alertmanager notification about the agent, as the collector stores it (one incident per start)."""
    ref = stack.ref(name)
    fingerprint = uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{alertname}").hex[:16]
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    with stack.as_collector() as conn:
        upsert_alerts(conn, [AlertNotice(fingerprint, "resolved" if resolved else "firing", alertname, severity,
                                         ref.namespace, name, summary, "", start,
                                         datetime.now(UTC) if resolved else None)])


def shown_lines(page: Page) -> list[tuple[int, str]]:
    """(seq, message) of every line in the log tail, in order."""
    return [(int(line.get_attribute("data-seq") or -1), line.locator(".msg").inner_text())
            for line in page.locator(".logbox .line").all()]
