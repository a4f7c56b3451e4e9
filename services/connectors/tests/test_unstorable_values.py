"""Amounts that do not fit AdPilot's columns: refused from the API (422), dropped (and counted) from a sync."""

from __future__ import annotations

from datetime import timedelta

from nats.aio.client import Client as NatsClient

from adpilot_common.testing.scrape import scrape
from adpilot_connectors.platforms.base import Status
from adpilot_connectors.sync.storable import BIGINT_MAX

from .conftest import ConnectorsApp
from .sync_support import TODAY, connector_events, link_sandbox, metric_rows, of_run, synced

API = "/api/connectors"
UNSTORABLE = "adpilot_sync_unstorable_values_total"


async def test_a_budget_beyond_any_real_one_is_refused_with_the_operation_s_index(app: ConnectorsApp) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    external_id, account_id = linked.first
    campaign = (await linked.sandbox.list_campaigns(external_id))[0]
    operations = [
        {"op": "set_budget", "campaign_id": campaign.external_id, "daily_budget_micros": 10**30},
        {"op": "create_campaign", "name": "Typo", "daily_budget_micros": 10**15 + 1},
        {"op": "set_budget", "campaign_id": campaign.external_id, "daily_budget_micros": 10**15},  # fine
    ]
    response = await app.client.post(
        f"{API}/accounts/{account_id}/write-jobs", headers=tenant.headers, json={"operations": operations}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["index"]: e["problems"] for e in response.json()["errors"]}
    assert errors == {
        i: ["daily_budget_micros: Input should be less than or equal to 1000000000000000"] for i in (0, 1)
    }
    assert await app.scalar("SELECT count(*) FROM write_jobs") == 0
    assert (await linked.sandbox.list_campaigns(external_id))[
        0
    ].daily_budget_micros == campaign.daily_budget_micros


async def test_a_platform_budget_that_does_not_fit_is_dropped_and_later_syncs_still_succeed(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    external_id, account_id = linked.first
    first = await synced(app, tenant, account_id)
    assert first["status"] == "succeeded"
    spent_today = {
        r["campaign_id"]
        for r in metric_rows(of_run(await connector_events(app, nats_client), first["id"]))
        if r["day"] == TODAY.isoformat() and r["spend_micros"] > 0
    }
    huge = next(
        c
        for c in await linked.sandbox.list_campaigns(external_id)
        if c.status == Status.ENABLED and c.external_id in spent_today
    )
    # The platform itself holds (and spends) an amount no BIGINT holds, from TODAY on; TODAY is then over.
    await linked.sandbox.set_daily_budget(external_id, huge.external_id, 10**30)
    linked.sandbox.advance(1)
    budgets_before = await scrape(
        app.client, UNSTORABLE, platform="sandbox", field="campaigns.daily_budget_micros"
    )
    rows_before = await scrape(app.client, UNSTORABLE, platform="sandbox", field="metrics")

    runs = [await synced(app, tenant, account_id) for _ in range(2)]
    assert [(r["status"], r["error"]) for r in runs] == [("succeeded", None)] * 2

    mirrored = await app.scalar(
        "SELECT daily_budget_micros FROM campaigns WHERE account_id = :a AND external_id = :c",
        a=account_id,
        c=huge.external_id,
    )
    assert mirrored is None  # unknown, rather than a wrong number
    assert await scrape(
        app.client, UNSTORABLE, platform="sandbox", field="campaigns.daily_budget_micros"
    ) == (
        budgets_before + 2  # once per sync: the platform sends it every time
    )
    events = await connector_events(app, nats_client)
    sent = metric_rows(of_run(events, runs[0]["id"]))
    amounts = ("impressions", "clicks", "spend_micros", "conversion_value_micros")
    assert max(r[k] for r in sent for k in amounts) <= BIGINT_MAX
    assert not [r for r in sent if r["campaign_id"] == huge.external_id and r["day"] == TODAY.isoformat()]
    assert {r["day"] for r in sent} >= {TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()}
    assert runs[0]["metric_rows"] == len(sent)
    assert await scrape(app.client, UNSTORABLE, platform="sandbox", field="metrics") > rows_before
    updated = [
        e for e in events if e.type == "campaign.v1.updated" and e.data["external_id"] == huge.external_id
    ]
    assert [e.data["daily_budget_micros"] for e in updated] == [None]
