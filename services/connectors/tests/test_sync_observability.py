"""Sync runs show on /metrics by platform and outcome (the dashboard's sync panel, the sync-failure alert)."""

from __future__ import annotations

from adpilot_common.testing.scrape import scrape

from .conftest import ConnectorsApp
from .sync_support import link_sandbox, synced

RUNS = "adpilot_sync_runs_total"


async def test_sync_outcomes_are_counted_by_platform_and_result(app: ConnectorsApp) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first
    before_ok = await scrape(app.client, RUNS, platform="sandbox", result="succeeded")
    before_failed = await scrape(app.client, RUNS, platform="sandbox", result="failed")
    before_kind = await scrape(
        app.client, "adpilot_sync_failures_total", platform="sandbox", kind="reconnect_required"
    )

    assert (await synced(app, tenant, account_id))["status"] == "succeeded"
    linked.sandbox.fail_next("reconnect", method="list_campaigns")
    assert (await synced(app, tenant, account_id))["status"] == "failed"

    assert await scrape(app.client, RUNS, platform="sandbox", result="succeeded") == before_ok + 1
    assert await scrape(app.client, RUNS, platform="sandbox", result="failed") == before_failed + 1
    kind = await scrape(
        app.client, "adpilot_sync_failures_total", platform="sandbox", kind="reconnect_required"
    )
    assert kind == before_kind + 1
    assert (
        await scrape(app.client, "adpilot_sync_run_seconds_count", platform="sandbox", result="succeeded")
        >= 1
    )
