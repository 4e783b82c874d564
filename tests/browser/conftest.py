"""Browser tests: the real Debian Chromium driven by Playwright against a live CivicPact server.

Every page a test visits goes through `visit`, which checks it with axe-core, fails on any Content
Security Policy violation, and saves a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Browser, Page, sync_playwright

from civicpact.demo.seed import DEMO_PASSWORD
from tests.conftest import service_required

# Playwright's sync API runs an event loop in this thread; the live server's database work is ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CIVICPACT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        service_required(f"Chromium at {CHROMIUM} (make test installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """A signed-in (or anonymous) person with a browser tab."""

    axe = Axe()

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.csp_errors: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def check(self, name: str) -> None:
        """Accessibility and CSP checks of the page as it is now, plus a screenshot."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        results = self.axe.run(self.page)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
        assert self.csp_errors == [], f"{name}: CSP violations {self.csp_errors}"

    def visit(self, path: str, name: str) -> Page:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status < 400, f"{path} answered {response.status}"
        self.check(name)
        return self.page

    def run_jobs(self) -> Page:
        """Run the queued background jobs, then come back to the page.

        The live server shares the test's in-memory SQLite connection, so a page's progress polls must not run on
        it while the worker writes from the test's thread (the two can deadlock): the tab steps away meanwhile."""
        path = self.page.url.removeprefix(self.base_url)
        self.page.goto("about:blank")
        call_command("db_worker", batch=True, verbosity=0)
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.page.goto(self.base_url + "/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def visitor(browser: Browser, live_server: Any, flushable_ledger: None, city: Any) -> Iterator[Visitor]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Visitor(page, live_server.url)
    context.close()


@pytest.fixture
def story_visitor(browser: Browser, live_server: Any, flushable_ledger: None) -> Iterator[Visitor]:
    """An anonymous visitor to the whole demo city, as `civicpact demo` seeds it: its history (the stories at their
    past dates) and the street lighting's performance."""
    from civicpact.demo.seed import seed_demo_city

    seed_demo_city()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Visitor(page, live_server.url)
    context.close()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
