"""The dashboard updating live, then a budget and a budget alert, in a real Chromium against the real stack.

A new user links the sandbox and opens the dashboard, which has no metrics yet. A sync is then started from
*another* session of the same user (the API, as a colleague or a schedule would), so nothing in the page asked
for it: the KPI cards and the chart appear because the gateway pushed ``metrics.v1.updated`` over ``/ws`` and the
SPA refetched, without a reload. Then the user sets a monthly budget on the synced account and an alert at 80%
of it. Screenshots go to ``$ADPILOT_BROWSER_ARTIFACTS/test_dashboard_and_budget_flow`` (or a pytest temp dir).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from adpilot_common.devstack.launcher import LauncherProcess

from .flows import PASSWORD, nav, sign_up_and_in

pytestmark = pytest.mark.browser

JOB_TIMEOUT_MS = 60_000


def sync_from_another_session(gateway_url: str, email: str) -> str:
    """Sign in through the API (a second session) and start a sync of the first account; returns its label."""
    with httpx.Client(base_url=gateway_url, timeout=30) as api:
        login = api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        accounts = api.get("/api/connectors/accounts", headers=bearer)
        assert accounts.status_code == 200, accounts.text
        first = accounts.json()[0]
        started = api.post(f"/api/connectors/accounts/{first['id']}/sync", headers=bearer)
        assert started.status_code == 202, started.text
        return f"{first['name']} ({first['currency']})"  # how the budget form lists it


def test_dashboard_updates_live_after_a_sync_then_a_budget_alert(
    flow_page: tuple[Page, Callable[[str], None]], stack: LauncherProcess
) -> None:
    page, shot = flow_page
    email = sign_up_and_in(page, stack.gateway_url)
    page.get_by_role("button", name="Connect sandbox", exact=True).click()
    expect(page.get_by_test_id("account-row").first).to_be_visible()

    # -- the dashboard before any sync: no metrics, live events connected ----------------------------------------
    nav(page, "Dashboard")
    expect(page.get_by_text("No metrics for these days yet.", exact=False)).to_be_visible()
    expect(page.get_by_test_id("live-status")).to_have_text("Live", timeout=15_000)
    page.evaluate("window.__samePage = true")  # gone if anything reloads the page
    shot("dashboard-empty")

    account_name = sync_from_another_session(stack.gateway_url, email)

    # -- the numbers arrive by themselves ----------------------------------------------------------------------
    spend = page.get_by_test_id("kpi-spend-value")
    # The backfill merges oldest days first and the page refreshes after each batch: it may show the previous
    # period's numbers and this period's "€0.00" before this period's batches arrive.
    expect(spend).to_have_text(re.compile(r"[1-9]"), timeout=JOB_TIMEOUT_MS)
    chart = page.get_by_test_id("kpi-chart").first
    expect(chart).to_be_visible()
    assert int(chart.get_attribute("data-points") or 0) > 0
    expect(chart.locator(".recharts-line-curve").first).to_be_attached()
    assert page.evaluate("window.__samePage === true"), "the dashboard was reloaded instead of updated live"
    shot("dashboard-live")

    # -- a monthly budget on the synced account, and an alert at 80% of it -------------------------------------
    nav(page, "Budgets & alerts")
    page.get_by_role("button", name="New budget").click()
    dialog = page.get_by_role("form", name="New budget")
    dialog.get_by_label("Ad account").select_option(label=account_name)
    dialog.get_by_label("Amount").fill("500")
    dialog.get_by_role("button", name="Create budget").click()
    budget = page.get_by_test_id("budget-row")
    expect(budget).to_have_count(1)
    expect(budget.get_by_test_id("budget-name")).to_contain_text(account_name.rsplit(" (", 1)[0])
    shot("budget-created")

    rule_form = page.get_by_role("form", name="New alert rule")
    rule_form.get_by_label("Alert type").select_option("spend_over_budget_pct")
    budget_choice = rule_form.get_by_label("Budget", exact=True)
    budget_choice.select_option(index=1)  # index 0 is the "choose" placeholder
    rule_form.get_by_label("Threshold").fill("80")
    rule_form.get_by_role("button", name="Create alert rule").click()
    rule = page.get_by_test_id("alert-rule-row")
    expect(rule).to_have_count(1)
    expect(rule.get_by_test_id("alert-rule-threshold")).to_contain_text("80")
    shot("alert-rule-created")
