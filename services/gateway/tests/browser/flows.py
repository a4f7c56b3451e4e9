"""Steps several browser flows share: a new user signs up and in, and moves through the main navigation."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

PASSWORD = "quartz-meadow-lantern-57"  # long and not among the common passwords the server refuses
NAME = "Sam Syncwell"


def sign_up_and_in(page: Page, base_url: str) -> str:
    """A new user signs up and signs in; returns their email."""
    email = f"sam-{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name (optional)").fill(NAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("signup-done")).to_contain_text(email)

    page.goto("/accounts")
    expect(page).to_have_url(f"{base_url}/login?next=%2Faccounts")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base_url}/accounts")
    expect(page.get_by_test_id("current-user")).to_have_text(NAME)
    return email


def link_sandbox_and_sync_first_account(page: Page, timeout_ms: float) -> str:
    """On the accounts page: link the sandbox platform, sync its first account and wait for the run to succeed;
    returns that account's name."""
    page.get_by_role("button", name="Connect sandbox", exact=True).click()
    first = page.get_by_test_id("account-row").first
    account_name = first.locator(".cell-strong").inner_text()
    first.get_by_role("button", name=f"Sync {account_name} now").click()
    expect(first.get_by_test_id("sync-result")).to_have_attribute(
        "data-status", "succeeded", timeout=timeout_ms
    )
    return account_name


def nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
