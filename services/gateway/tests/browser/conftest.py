"""Shared fixtures of the browser tests: one real stack (launcher) and one system Chromium per test session.

Run with ``make test-browser`` (``make test`` deselects the ``browser`` marker). Never downloads a browser:
``playwright install`` is not needed, Playwright drives the system Chromium through ``executable_path``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from adpilot_common.devstack.launcher import LauncherProcess

CHROMIUM = Path(os.environ.get("ADPILOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LauncherProcess]:
    """The whole stack on free loopback ports, shared by every browser test; it must stop cleanly."""
    root = tmp_path_factory.mktemp("browser-stack")
    with LauncherProcess(root / "data", root / "launcher.log") as launcher:
        launcher.wait_ready()
        yield launcher
        launcher.interrupt()
        assert launcher.wait() == 0, launcher.output()[-4000:]
        assert launcher.survivors() == []


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium (or set ADPILOT_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """Console errors and uncaught exceptions of a page, plus failed API responses to explain them."""

    errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed_responses.append(f"{response.request.method} {response.url} -> {response.status}")

    def check(self) -> None:
        assert self.errors == [], (
            f"browser console errors: {self.errors}; failed responses: {self.failed_responses}"
        )


@dataclass
class TrackedPage:
    """A page in its own browser context (no cookies shared with other tests) that records its problems."""

    context: BrowserContext
    page: Page
    problems: PageProblems

    def close(self) -> None:
        """Close the context, then fail on any console error seen while it was open."""
        self.context.close()
        self.problems.check()


@pytest.fixture(scope="session")
def open_page(browser: Browser, stack: LauncherProcess) -> Callable[[], TrackedPage]:
    """Factory of fresh pages on the stack's gateway (for fixtures with a wider scope than ``page``)."""

    def open_() -> TrackedPage:
        context = browser.new_context(base_url=stack.gateway_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems = PageProblems()
        problems.attach(page)
        return TrackedPage(context, page, problems)

    return open_


@pytest.fixture
def page(open_page: Callable[[], TrackedPage]) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test; any console error fails the test."""
    tracked = open_page()
    yield tracked.page
    tracked.close()


@pytest.fixture(scope="module")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """Where screenshots go: $ADPILOT_BROWSER_ARTIFACTS/<module> if set, else a pytest temp dir."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    base = os.environ.get("ADPILOT_BROWSER_ARTIFACTS")
    if base:
        path = Path(base) / name
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp(name)


@pytest.fixture
def flow_page(
    open_page: Callable[[], Any], artifacts_dir: Path
) -> Iterator[tuple[Page, Callable[[str], None]]]:
    """A page that fails the test on any browser console error, and a ``shot(name)`` for numbered screenshots."""
    tracked = open_page()  # conftest.TrackedPage: fails at the end on any browser console error
    tracked.page.set_default_timeout(10_000)
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = artifacts_dir / f"{len(shots) + 1:02d}-{name}.png"
        tracked.page.screenshot(path=path, full_page=True)
        shots.append(path)

    yield tracked.page, shot
    shot("final")
    print(f"\nscreenshots: {artifacts_dir}")
    tracked.close()
