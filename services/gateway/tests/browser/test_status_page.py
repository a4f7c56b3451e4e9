"""The status page in a real Chromium (Debian's /usr/bin/chromium) against the real stack from the launcher.

Run with ``make test-browser`` (``make test`` deselects the ``browser`` marker). The stack, browser and page
fixtures live in conftest.py.
"""

from __future__ import annotations

import os
import signal

import pytest
from playwright.sync_api import Page, expect

from adpilot_common.devstack.launcher import BACKENDS, LauncherProcess

pytestmark = pytest.mark.browser

NAMES = [s.name for s in BACKENDS]


def expect_all_ready(page: Page) -> None:
    expect(page.get_by_test_id("status-gateway")).to_have_text("ok", timeout=15_000)
    for name in NAMES:
        badge = page.get_by_test_id(f"status-{name}")
        expect(badge).to_have_text("ready")
        expect(badge).to_have_class("badge badge-ok")
        row = page.get_by_test_id(f"service-{name}")
        # Every service verifies access tokens, so each also reports auth's signing keys.
        checks = ["database", "nats", "auth_keys"]
        expect(row.locator(".check-ok .check-name")).to_have_text(checks)
        expect(row.locator(".check-fail")).to_have_count(0)
    expect(page.get_by_text(f"{len(NAMES)} / {len(NAMES)}")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_the_status_page_shows_every_service_ready(page: Page) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page).to_have_title("Status · AdPilot")
    expect(page.get_by_role("heading", name="Status")).to_be_visible()
    expect_all_ready(page)
    expect(page.get_by_test_id("last-updated")).to_contain_text("Last updated")
    expect(page.get_by_role("link", name="Status")).to_have_class("nav-link active")


def test_client_routes_load_directly_and_navigate_without_reload(page: Page, stack: LauncherProcess) -> None:
    page.goto("/status")  # the gateway answers unknown paths with index.html; the router takes it from there
    expect_all_ready(page)

    page.goto("/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page).to_have_title("Not found · AdPilot")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Go to Status").click()
    expect(page).to_have_url(f"{stack.gateway_url}/status")
    expect_all_ready(page)
    assert page.evaluate("window.__sameDocument") is True, "navigation reloaded the page"


def test_the_page_follows_a_service_that_stops_answering(page: Page, stack: LauncherProcess) -> None:
    [auth] = [p for p in stack.remember_processes() if "adpilot_common.serve auth " in p.cmdline]
    page.goto("/")
    expect_all_ready(page)
    # SIGSTOP: the process is alive (the launcher does not react) but its /readyz no longer answers.
    os.kill(auth.pid, signal.SIGSTOP)
    try:
        expect(page.get_by_test_id("status-auth")).to_have_text("unreachable", timeout=30_000)
        expect(page.get_by_test_id("status-auth")).to_have_class("badge badge-error")
        expect(page.get_by_text(f"{len(NAMES) - 1} / {len(NAMES)}")).to_be_visible()
    finally:
        os.kill(auth.pid, signal.SIGCONT)
    expect(page.get_by_test_id("status-auth")).to_have_text("ready", timeout=30_000)
