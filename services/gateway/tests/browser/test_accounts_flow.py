"""The ad accounts and campaigns screens in a real Chromium against the real stack (sandbox ad platform).

A fresh user signs up and in, links the sandbox platform on "Ad accounts", sees its ad accounts, syncs one
now and follows the run to the end, reads its sync history, then pauses one of its campaigns on "Campaigns":
the write job runs against the sandbox and the row shows PAUSED once the service has updated its mirror.
Screenshots go to ``$ADPILOT_BROWSER_ARTIFACTS/test_accounts_flow`` (or a pytest temp dir, printed at the end).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from adpilot_common.devstack.launcher import LauncherProcess

from .flows import nav, sign_up_and_in

pytestmark = pytest.mark.browser

# A first sync backfills the sandbox's metrics history; give it room on a slow machine.
JOB_TIMEOUT_MS = 60_000


def test_link_the_sandbox_sync_an_account_and_pause_a_campaign(
    flow_page: tuple[Page, Callable[[str], None]], stack: LauncherProcess
) -> None:
    page, shot = flow_page
    sign_up_and_in(page, stack.gateway_url)

    # -- ad accounts: nothing linked yet; link the sandbox ---------------------------------------------------
    expect(page).to_have_title("Ad accounts · AdPilot")
    expect(page.get_by_text("No ad platform is linked yet.", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Connect Google Ads")).to_be_visible()
    page.get_by_role("button", name="Connect sandbox", exact=True).click()

    connection = page.get_by_test_id("connection-row")
    expect(connection).to_have_count(1)
    expect(connection).to_have_attribute("data-platform", "sandbox")
    expect(connection.get_by_test_id("health-badge")).to_have_text("Healthy")
    expect(page.get_by_role("button", name="Connect sandbox", exact=True)).to_be_disabled()
    accounts = page.get_by_test_id("account-row")
    expect(accounts.first).to_be_visible()
    linked = int(connection.locator("td[data-label='Accounts']").inner_text())
    assert linked >= 1
    expect(accounts).to_have_count(linked)
    expect(accounts.first).to_contain_text("Sandbox")
    expect(accounts.first.locator("td[data-label='Currency']")).to_have_text(re.compile(r"^[A-Z]{3}$"))
    expect(accounts.first.locator("td[data-label='Time zone']")).to_have_text(re.compile(r"^\w+/\w+"))
    shot("sandbox-linked")

    # -- sync the first account now and follow the run ---------------------------------------------------------
    first = accounts.first
    account_name = first.locator(".cell-strong").inner_text()
    first.get_by_role("button", name=f"Sync {account_name} now").click()
    result = first.get_by_test_id("sync-result")
    expect(result).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(result).to_contain_text("rows")
    expect(first.get_by_test_id("last-sync-status")).to_have_text("Succeeded")
    expect(first.get_by_role("button", name=f"Sync {account_name} now")).to_be_enabled()

    first.get_by_role("button", name=f"Sync history of {account_name}").click()
    history = page.get_by_role("region", name=f"Sync history of {account_name}")
    latest = history.get_by_test_id("sync-run").first
    expect(latest).to_have_attribute("data-status", "succeeded")
    expect(latest).to_contain_text("manual")
    shot("synced")

    # -- campaigns of that account: pause one that runs ----------------------------------------------------------
    nav(page, "Campaigns")
    expect(page).to_have_title("Campaigns · AdPilot")
    page.get_by_label("Account").select_option(label=f"{account_name} (Sandbox)")
    expect(page).to_have_url(re.compile(r"/campaigns\?account_id="))
    rows = page.get_by_test_id("campaign-row")
    expect(rows.first).to_be_visible()
    expect(rows.first.get_by_test_id("budget")).to_have_text(re.compile(r"\d"))
    running = page.locator("[data-testid='campaign-status']", has_text=re.compile(r"^ENABLED$"))
    enabled = rows.filter(has=running).first
    external_id = enabled.get_attribute("data-campaign")
    campaign_name = enabled.get_by_test_id("campaign-name").inner_text()
    assert external_id and campaign_name

    page.get_by_role("checkbox", name=f"Select {campaign_name}").check()
    expect(page.get_by_test_id("selection-count")).to_have_text("1 campaign selected")
    shot("campaign-selected")
    page.get_by_role("toolbar", name="Bulk actions").get_by_role("button", name="Pause").click()

    job = page.get_by_test_id("write-job")
    expect(job).to_contain_text(f"Pause 1 campaign in {account_name}")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(job.get_by_test_id("write-job-progress")).to_have_text("1 of 1 done")
    row = page.locator(f"[data-testid='campaign-row'][data-campaign='{external_id}']")
    expect(row.get_by_test_id("campaign-status")).to_have_text("PAUSED")
    shot("campaign-paused")

    # -- a new daily budget, typed in major units of the account currency ------------------------------------------
    row.get_by_role("button", name=f"Edit the daily budget of {campaign_name}").click()
    budget_input = row.get_by_role(
        "textbox", name=re.compile(rf"^Daily budget of {re.escape(campaign_name)} in ")
    )
    expect(budget_input).to_be_focused()
    budget_input.fill("42.5")
    row.get_by_role("button", name="Save").click()
    budget_job = page.get_by_test_id("write-job").filter(has_text=f"Set the daily budget of {campaign_name}")
    expect(budget_job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(row.get_by_test_id("budget")).to_have_text(re.compile(r"^\D*42\.50\D*$"))
    shot("budget-changed")

    # -- the mirror kept both: after a reload (session restored from the refresh cookie) too -----------------------
    page.reload()
    expect(row.get_by_test_id("campaign-status")).to_have_text("PAUSED")
    expect(row.get_by_test_id("budget")).to_have_text(re.compile(r"^\D*42\.50\D*$"))
    expect(page.get_by_label("Account")).to_have_value(re.compile(r".+"))
