"""Debian's chromium driven by Playwright's Python package (its own driver, never `playwright install`), as
/work/notes/browser.md checked it: the flags that keep it off the network, a desktop and a 375 px phone
context, axe-core from the dashboard's own npm packages (package-lock.json pins it), screenshots under
build/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.dashboard.build import ROOT

CHROMIUM = os.environ.get("LAUNCHPAD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions"]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "services" / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
                         "device_scale_factor": 1}


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"no chromium at {CHROMIUM}: scripts/tools.sh installs Debian's chromium")
    pytest.skip(f"no chromium at {CHROMIUM}: run `bash scripts/tools.sh`")


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def context(browser: Browser, base_url: str, phone: bool = False) -> BrowserContext:
    found = browser.new_context(base_url=base_url, **(PHONE if phone else DESKTOP))
    found.set_default_timeout(20_000)
    return found


def serious_axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2 A/AA rules and best practices on the page as it is: the serious and critical
    violations, as `rule: targets` lines (empty when there are none). Loaded through the DevTools protocol, as
    the page's Content-Security-Policy (script-src 'self') refuses an injected script tag, rightly."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
                           "'best-practice']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def shoot(page: Page, name: str) -> Path:
    """build/screenshots/<name>.png, the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page: Page) -> bool:
    """Usable at phone width: nothing wider than the viewport (the page never scrolls sideways)."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"))
