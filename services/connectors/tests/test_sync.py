"""Sync runs end to end: sandbox platform → mirror + outbox → JetStream, through the running service."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

from nats.aio.client import Client as NatsClient

from adpilot_connectors.platforms.base import Level, Status

from .conftest import ConnectorsApp
from .sync_support import (
    TODAY,
    connector_events,
    days,
    gate_handler,
    link_sandbox,
    metric_rows,
    of_run,
    run_finished,
    stop_app_runner,
    sync_now,
    sync_runner,
    synced,
)


def row_key(row: dict[str, object]) -> tuple[object, ...]:
    return (row["campaign_id"], row["ad_group_id"], row["ad_id"], row["day"])


async def test_first_sync_mirrors_campaigns_and_backfills_metrics(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    external_id, account_id = linked.first
    campaigns = await linked.sandbox.list_campaigns(external_id)
    expected_rows = [
        r
        async for batch in linked.sandbox.fetch_daily_metrics(external_id, TODAY - timedelta(days=9), TODAY)
        for r in batch
    ]

    run = await synced(app, tenant, account_id)

    assert run["status"] == "succeeded" and run["trigger"] == "manual", run
    assert run["requested_by"] == str(tenant.user_id)
    assert (run["metrics_from"], run["metrics_to"]) == ("2026-06-08", "2026-06-17")  # 10 days, today included
    assert run["campaigns_created"] == len(campaigns) and run["campaigns_updated"] == 0
    assert run["metric_rows"] == len(expected_rows) > 0
    assert (run["error"], run["error_kind"]) == (None, None)

    events = await connector_events(app, nats_client)
    created = [e for e in events if e.type == "campaign.v1.created"]
    assert sorted(e.data["external_id"] for e in created) == sorted(c.external_id for c in campaigns)
    sample = next(e for e in created if e.data["external_id"] == campaigns[0].external_id)
    assert sample.org_id == tenant.org_id
    assert sample.data["account_id"] == str(account_id)
    assert sample.data["name"] == campaigns[0].name and sample.data["status"] == campaigns[0].status.value
    assert sample.data["daily_budget_micros"] == campaigns[0].daily_budget_micros
    [platform_account] = [a for a in await linked.sandbox.list_accounts() if a.external_id == external_id]
    assert sample.data["currency"] == platform_account.currency
    assert sample.data["account_name"] == platform_account.name  # reports name accounts by it

    batches = [e for e in of_run(events, run["id"]) if e.type == "metrics.v1.fetched"]
    assert batches and all(0 < len(e.data["rows"]) <= 1000 for e in batches)
    first = batches[0].data
    assert first["account_id"] == str(account_id) and first["external_account_id"] == external_id
    assert first["platform"] == "sandbox" and first["time_zone"] and first["currency"]
    assert first["provisional_from"] == "2026-06-14"  # today minus the sandbox's 3-day lookback
    rows = metric_rows(batches)
    assert len(rows) == run["metric_rows"]
    assert {date.fromisoformat(r["day"]) for r in rows} == days(TODAY - timedelta(days=9), TODAY)
    by_key = {row_key(r): r for r in rows}
    assert len(by_key) == len(rows)  # no row twice
    want = expected_rows[0]
    got = by_key[(want.campaign_id, want.ad_group_id, want.ad_id, want.day.isoformat())]
    assert (got["impressions"], got["clicks"], got["spend_micros"]) == (
        want.impressions,
        want.clicks,
        want.spend_micros,
    )
    assert Decimal(got["conversions"]) == want.conversions

    (completed,) = [e for e in events if e.type == "connector.v1.sync_completed"]
    assert completed.data["run_id"] == run["id"] and completed.data["trigger"] == "manual"
    assert completed.data["metric_rows"] == run["metric_rows"]
    assert completed.data["campaigns_created"] == len(campaigns)
    assert (completed.data["metrics_from"], completed.data["metrics_to"]) == ("2026-06-08", "2026-06-17")

    # The cursor: every complete day was sent; today is fetched again next time.
    assert await app.scalar(
        "SELECT metrics_synced_through FROM ad_accounts WHERE id = :id", id=account_id
    ) == TODAY - timedelta(days=1)
    listed = await app.client.get(
        "/api/connectors/campaigns", params={"account_id": str(account_id)}, headers=tenant.headers
    )
    assert listed.json()["total"] == len(campaigns)
    accounts = (await app.client.get("/api/connectors/accounts", headers=tenant.headers)).json()
    mine = next(a for a in accounts if a["id"] == str(account_id))
    assert (mine["last_sync_status"], mine["metrics_synced_through"]) == ("succeeded", "2026-06-16")
    assert mine["active_run"] is None and mine["structure_synced_at"] is not None


async def test_later_syncs_refetch_only_the_lookback_and_pick_up_restatements(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first
    first = await synced(app, tenant, account_id)

    unchanged = await synced(app, tenant, account_id)
    assert unchanged["status"] == "succeeded"
    assert (unchanged["campaigns_created"], unchanged["campaigns_updated"]) == (0, 0)
    # Cursor 06-16, lookback 3 days: 06-14 .. today.
    assert (unchanged["metrics_from"], unchanged["metrics_to"]) == ("2026-06-14", "2026-06-17")

    linked.sandbox.advance(1)  # a day later: yesterday's conversions mature, a new day begins
    restated = await synced(app, tenant, account_id)
    assert (restated["metrics_from"], restated["metrics_to"]) == ("2026-06-14", "2026-06-18")

    events = await connector_events(app, nats_client)
    campaign_events = [e for e in events if e.type.startswith("campaign.v1.")]
    assert {e.type for e in campaign_events} == {"campaign.v1.created"}  # nothing for unchanged campaigns
    assert len(campaign_events) == first["campaigns_created"]

    rows = {run["id"]: metric_rows(of_run(events, run["id"])) for run in (first, unchanged, restated)}
    assert {r["day"] for r in rows[unchanged["id"]]} == {
        "2026-06-14",
        "2026-06-15",
        "2026-06-16",
        "2026-06-17",
    }
    assert len(rows[unchanged["id"]]) == unchanged["metric_rows"]
    # Every day from the first backfill to the new today reached the stream; none was skipped.
    sent_days = {date.fromisoformat(r["day"]) for run_rows in rows.values() for r in run_rows}
    assert sent_days == days(date(2026, 6, 8), date(2026, 6, 18))

    # A restated day comes again, with the platform's newer numbers (the metrics service replaces by key).
    before = {row_key(r): r for r in rows[first["id"]] if r["day"] == "2026-06-16"}
    after = {row_key(r): r for r in rows[restated["id"]] if r["day"] == "2026-06-16"}
    assert after.keys() == before.keys()
    grew = [k for k in after if Decimal(after[k]["conversions"]) > Decimal(before[k]["conversions"])]
    assert grew, "late conversions of 06-16 were not picked up"
    assert all(after[k]["spend_micros"] == before[k]["spend_micros"] for k in after)  # spend is final
    # Today (06-17, half a day in the first sync) is complete now.
    today_before = sum(r["spend_micros"] for r in rows[first["id"]] if r["day"] == "2026-06-17")
    today_after = sum(r["spend_micros"] for r in rows[restated["id"]] if r["day"] == "2026-06-17")
    assert today_after > today_before
    assert await app.scalar(
        "SELECT metrics_synced_through FROM ad_accounts WHERE id = :id", id=account_id
    ) == date(2026, 6, 17)


async def test_platform_changes_emit_status_and_update_events(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    external_id, account_id = linked.first
    await synced(app, tenant, account_id)
    listed = await linked.sandbox.list_campaigns(external_id)
    campaign = next(c for c in listed if c.status == Status.ENABLED)
    other = next(c for c in listed if c.external_id != campaign.external_id)
    await linked.sandbox.set_status(external_id, Level.CAMPAIGN, campaign.external_id, Status.PAUSED)
    new_budget = (other.daily_budget_micros or 0) + 5_000_000
    await linked.sandbox.set_daily_budget(external_id, other.external_id, new_budget)
    group = (await linked.sandbox.list_ad_groups(external_id))[0]
    await linked.sandbox.set_status(external_id, Level.AD_GROUP, group.external_id, Status.PAUSED)

    run = await synced(app, tenant, account_id)
    assert (run["campaigns_created"], run["campaigns_updated"]) == (0, 2)

    events = [e for e in await connector_events(app, nats_client) if e.type.startswith("campaign.v1.")]
    changes = [e for e in events if e.type != "campaign.v1.created"]
    assert sorted((e.type, e.data["external_id"]) for e in changes) == sorted(
        [
            ("campaign.v1.status_changed", campaign.external_id),
            ("campaign.v1.updated", other.external_id),
        ]
    )
    status_changed = next(e for e in changes if e.type == "campaign.v1.status_changed")
    assert (status_changed.data["previous_status"], status_changed.data["status"]) == ("ENABLED", "PAUSED")
    updated = next(e for e in changes if e.type == "campaign.v1.updated")
    assert updated.data["changed"] == ["daily_budget_micros"]
    assert updated.data["daily_budget_micros"] == new_budget

    page = (
        await app.client.get(
            "/api/connectors/campaigns",
            params={"account_id": str(account_id), "q": campaign.name},
            headers=tenant.headers,
        )
    ).json()
    mirrored = next(c for c in page["items"] if c["external_id"] == campaign.external_id)
    assert mirrored["status"] == "PAUSED"
    detail = (
        await app.client.get(f"/api/connectors/campaigns/{mirrored['id']}", headers=tenant.headers)
    ).json()
    if group.campaign_id == campaign.external_id:
        assert (
            next(g for g in detail["ad_groups"] if g["external_id"] == group.external_id)["status"]
            == "PAUSED"
        )


async def test_sync_now_while_a_run_is_active_returns_that_run(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    await stop_app_runner(app)
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first

    queued = await sync_now(app, tenant, account_id)
    assert queued["status"] == "queued" and queued["attempts"] == 0
    again = await app.client.post(f"/api/connectors/accounts/{account_id}/sync", headers=tenant.headers)
    assert again.status_code == 202 and again.json()["id"] == queued["id"]
    assert again.headers["Location"] == f"/api/connectors/sync-runs/{queued['id']}"

    gate, claimed = asyncio.Event(), asyncio.Event()
    runner = sync_runner(app, handler=gate_handler(app, gate, claimed))
    task = asyncio.create_task(runner.run_one())
    await claimed.wait()
    running = await sync_now(app, tenant, account_id)
    assert (running["id"], running["status"]) == (queued["id"], "running")
    accounts = (await app.client.get("/api/connectors/accounts", headers=tenant.headers)).json()
    active = next(a for a in accounts if a["id"] == str(account_id))["active_run"]
    assert (active["id"], active["status"]) == (queued["id"], "running")

    gate.set()
    assert await task
    assert (await run_finished(app, tenant, queued["id"]))["status"] == "succeeded"
    follow_up = await sync_now(app, tenant, account_id)  # finished: a new run
    assert follow_up["id"] != queued["id"] and follow_up["status"] == "queued"
    assert await app.scalar("SELECT count(*) FROM sync_runs WHERE account_id = :id", id=account_id) == 2
