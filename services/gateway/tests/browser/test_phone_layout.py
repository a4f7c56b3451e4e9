"""Every main screen fits a 375 px phone, in a real Chromium against the real stack (sandbox ad platform).

A new user links the sandbox and syncs one account (so the lists, KPI cards and top campaigns have rows), then
visits each screen at 375 x 812: the page never scrolls sideways (a wide table scrolls inside its own container,
which is then a named, focusable region), Sign out stays on screen and the navigation folds under a Menu button.
Screenshots go to ``$ADPILOT_BROWSER_ARTIFACTS/test_phone_layout`` (or a pytest temp dir).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from adpilot_common.devstack.launcher import LauncherProcess

from .flows import link_sandbox_and_sync_first_account, sign_up_and_in

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 375, "height": 812}
JOB_TIMEOUT_MS = 60_000

# Each screen with what shows once its data has arrived (the width is measured only then).
SCREENS: list[tuple[str, str]] = [
    ("/status", "[data-testid='status-gateway']"),
    ("/dashboard", "[data-testid='top-campaign-row']"),
    ("/accounts", "[data-testid='account-row']"),
    ("/campaigns", "[data-testid='campaign-row']"),
    ("/budgets", "main h1"),
    ("/copy", "main h1"),
    ("/brand-voice", "main h1"),
    ("/reports", "[data-testid='reports']"),
    ("/notifications", "main h1"),
    ("/account", "[data-testid='profile-email']"),
    ("/sessions", "main table"),
    ("/orgs", "main table"),
    ("/members", "main table"),
    ("/audit", "main table"),
]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when nothing scrolls sideways)."""
    root = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return int(root[0]) - int(root[1])


def test_every_screen_fits_a_phone(
    flow_page: tuple[Page, Callable[[str], None]], stack: LauncherProcess
) -> None:
    page, shot = flow_page
    sign_up_and_in(page, stack.gateway_url)
    link_sandbox_and_sync_first_account(page, JOB_TIMEOUT_MS)

    page.set_viewport_size(PHONE)
    widths: dict[str, int] = {}
    for path, loaded in SCREENS:
        page.goto(path)
        expect(page.locator(loaded).first).to_be_visible(timeout=JOB_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        widths[path] = horizontal_overflow(page)
        sign_out = page.get_by_role("button", name="Sign out", exact=True)
        expect(sign_out).to_be_in_viewport(ratio=1)
        if path in {"/dashboard", "/campaigns", "/reports"}:
            shot(path.strip("/"))
    assert widths == {path: 0 for path, _ in SCREENS}, f"pages wider than 375 px by: {widths}"

    # -- the top campaigns table scrolls in its own region, which the keyboard can reach ---------------------
    page.goto("/dashboard")
    region = page.get_by_role("region", name="Top campaigns in", exact=False).first
    expect(region).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(region).to_have_attribute("tabindex", "0")

    # -- the navigation folds under Menu; choosing a page folds it again -------------------------------------
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    shot("menu-open")
    nav.get_by_role("link", name="Campaigns", exact=True).click()
    expect(page).to_have_title("Campaigns · AdPilot")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    # -- the Search button sits on the line of the search box -----------------------------------------------
    search = page.get_by_role("search", name="Filter campaigns")
    box = search.get_by_role("searchbox").bounding_box()
    button = search.get_by_role("button", name="Search").bounding_box()
    assert box is not None and button is not None
    assert abs((box["y"] + box["height"]) - (button["y"] + button["height"])) < 1, (box, button)
