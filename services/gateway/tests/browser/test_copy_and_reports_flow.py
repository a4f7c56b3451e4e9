"""AI copy and reports in a real Chromium against the real stack (sandbox platform, offline copy generator).

A new user links the sandbox and syncs an account (so there are metrics), writes Google Ads copy with the
offline generator, approves a variant, then generates a CSV report for the last 7 days and downloads it; the
live-events indicator in the header is connected throughout. Screenshots go to
``$ADPILOT_BROWSER_ARTIFACTS/test_copy_and_reports_flow`` (or a pytest temp dir).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from adpilot_common.devstack.launcher import LauncherProcess

from .flows import link_sandbox_and_sync_first_account, nav, sign_up_and_in

pytestmark = pytest.mark.browser

JOB_TIMEOUT_MS = 60_000


def test_write_and_approve_copy_then_download_a_report(
    flow_page: tuple[Page, Callable[[str], None]], stack: LauncherProcess
) -> None:
    page, shot = flow_page
    sign_up_and_in(page, stack.gateway_url)
    expect(page.get_by_test_id("live-status")).to_have_text("Live", timeout=15_000)

    # -- metrics to report on: link the sandbox and sync one account ----------------------------------------------
    link_sandbox_and_sync_first_account(page, JOB_TIMEOUT_MS)
    # The run's metrics reach the rollups (which reports read) when the metrics service has merged its batches,
    # a moment after the run itself succeeded: wait for them where a user would see them.
    nav(page, "Dashboard")
    expect(page.get_by_test_id("kpi-spend-value")).to_be_visible(timeout=JOB_TIMEOUT_MS)

    # -- AI copy: the offline generator writes valid Google Ads copy -----------------------------------------------
    nav(page, "AI copy")
    expect(page).to_have_title("AI copy · AdPilot")
    brief = page.get_by_role("form", name="Copy brief")
    brief.get_by_label("Product").fill("Trail running shoes")
    brief.get_by_label("Audience").fill("Weekend trail runners")
    brief.get_by_label("Tone").fill("Upbeat")
    brief.get_by_label("Google Ads").check()
    brief.get_by_role("button", name="Generate copy").click()
    generation = page.get_by_test_id("generation")
    expect(generation).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(page.get_by_test_id("offline-label")).to_have_text("Offline generator")
    cards = page.get_by_test_id("variant-card")
    expect(cards.first).to_be_visible()
    headlines = cards.first.locator("[data-testid='copy-field'][data-field='headlines']")
    expect(headlines.first).to_be_visible()
    assert 3 <= headlines.count() <= 15  # a Google responsive search ad
    expect(headlines.filter(has_text="Trail running shoes").first).to_be_visible()
    shot("copy-generated")

    cards.first.get_by_role("button", name="Approve Google Ads variant 1").click()
    cards.first.get_by_role("button", name="Approve copy").click()
    expect(cards.first.get_by_test_id("variant-approved")).to_have_text("Approved")
    expect(cards.first.get_by_role("button", name="Edit Google Ads variant 1")).to_have_count(0)
    shot("copy-approved")

    # -- reports: a CSV of the last 7 days, generated as a job and downloaded ---------------------------------------
    nav(page, "Reports")
    expect(page).to_have_title("Reports · AdPilot")
    form = page.get_by_role("form", name="New report")
    form.get_by_label("Format").select_option("csv")
    form.get_by_label("Title").fill("Weekly numbers")
    form.get_by_role("button", name="Generate report").click()
    row = page.get_by_test_id("report-row").first
    expect(row).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    shot("report-ready")
    with page.expect_download() as waiting:
        row.get_by_role("button", name="Download Weekly numbers (CSV)").click()
    download = waiting.value
    assert download.suggested_filename.startswith("weekly-numbers-") and download.suggested_filename.endswith(
        ".csv"
    )
    path = download.path()
    assert path is not None
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert rows, "the synced account has metrics in the last 7 days"
    assert {"period_start", "campaign_id", "spend", "ctr"} <= set(rows[0])
    assert all(r["currency"] for r in rows)
