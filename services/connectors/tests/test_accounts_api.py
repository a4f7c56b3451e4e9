"""The accounts, campaigns and sync-runs API: org scoping, filters, sorting, paging and clear problems."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from .conftest import ConnectorsApp, Tenant
from .sync_support import Linked, link_sandbox, synced

API = "/api/connectors"


@dataclass
class World:
    app: ConnectorsApp
    mine: Linked  # two synced accounts
    theirs: Linked  # another org, synced
    viewer: Tenant  # a viewer of my org


@pytest.fixture
async def world(app: ConnectorsApp) -> World:
    mine = await link_sandbox(app, app.tenant("member"))
    theirs = await link_sandbox(app, app.tenant("member"))
    for linked in (mine, theirs):
        for account_id in linked.accounts.values():
            assert (await synced(app, linked.tenant, account_id))["status"] == "succeeded"
    return World(app, mine, theirs, app.tenant("viewer", org_id=mine.tenant.org_id))


async def get(app: ConnectorsApp, tenant: Tenant, path: str, **params: Any) -> Any:
    response = await app.client.get(f"{API}{path}", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"]
    return body


async def test_accounts_list_the_callers_org_with_health_and_sync_state(world: World) -> None:
    app, mine = world.app, world.mine
    accounts = await get(app, world.viewer, "/accounts")
    assert {a["id"] for a in accounts} == {str(a) for a in mine.accounts.values()}
    first = next(a for a in accounts if a["external_id"] == mine.first[0])
    assert first["connection_id"] == str(mine.connection_id) and first["platform"] == "sandbox"
    assert (first["last_sync_status"], first["metrics_synced_through"]) == ("succeeded", "2026-06-16")
    assert (first["sync_enabled"], first["lookback_days"], first["effective_lookback_days"]) == (
        True,
        None,
        3,
    )
    assert first["connection_health"] == "ok" and first["active_run"] is None
    assert first["connection"]["label"] and first["connection"]["paused_until"] is None
    assert await get(app, world.viewer, "/accounts", platform="google") == []
    only = await get(app, world.viewer, "/accounts", connection_id=str(mine.connection_id))
    assert len(only) == len(mine.accounts)

    # A token that AdPilot cannot renew, near its end: the list tells the user to act.
    async with app.engine.begin() as conn:
        await conn.execute(
            text("UPDATE platform_connections SET token_expires_at = :at WHERE id = :id"),
            {"at": datetime.now(UTC) + timedelta(days=2), "id": mine.connection_id},
        )
    accounts = await get(app, world.viewer, "/accounts")
    assert {(a["connection_health"], a["connection"]["health"]) for a in accounts} == {("expires_soon",) * 2}

    assert_problem(await app.client.get(f"{API}/accounts"), 401)
    assert_problem(
        await app.client.get(f"{API}/accounts", params={"platform": "myspace"}, headers=world.viewer.headers),
        422,
    )


async def test_patch_account_sync_settings(world: World) -> None:
    app, mine = world.app, world.mine
    member = mine.tenant
    _, account_id = mine.first
    url = f"{API}/accounts/{account_id}"

    response = await app.client.patch(
        url, json={"sync_enabled": False, "lookback_days": 0}, headers=member.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["sync_enabled"], body["lookback_days"], body["effective_lookback_days"]) == (False, 0, 0)

    # A manual sync still runs a disabled account, with the account's own lookback (none: today only).
    run = await synced(app, member, account_id)
    assert (run["metrics_from"], run["metrics_to"]) == ("2026-06-17", "2026-06-17")

    body = (await app.client.patch(url, json={"lookback_days": None}, headers=member.headers)).json()
    assert (body["sync_enabled"], body["lookback_days"], body["effective_lookback_days"]) == (False, None, 3)
    body = (await app.client.patch(url, json={"sync_enabled": True}, headers=member.headers)).json()
    assert (body["sync_enabled"], body["lookback_days"]) == (True, None)

    for bad in (
        {"lookback_days": 91},
        {"lookback_days": -1},
        {"sync_enabled": "yes"},
        {"sync_enabled": None},
        {},
        {"sync_enabled": True, "org_id": str(uuid.uuid4())},
    ):
        assert_problem(await app.client.patch(url, json=bad, headers=member.headers), 422)
    assert_problem(
        await app.client.patch(url, json={"sync_enabled": False}, headers=world.viewer.headers), 403
    )
    assert_problem(
        await app.client.patch(
            f"{API}/accounts/not-an-id", json={"sync_enabled": False}, headers=member.headers
        ),
        404,
    )
    theirs = world.theirs.first[1]
    assert_problem(
        await app.client.patch(
            f"{API}/accounts/{theirs}", json={"sync_enabled": False}, headers=member.headers
        ),
        404,
    )
    assert await app.scalar("SELECT sync_enabled FROM ad_accounts WHERE id = :id", id=theirs) is True


async def test_campaigns_filter_sort_and_page(world: World) -> None:
    app, mine, viewer = world.app, world.mine, world.viewer
    everything = await get(app, viewer, "/campaigns", limit=200)
    platform_campaigns = [c for ext in mine.accounts for c in await mine.sandbox.list_campaigns(ext)]
    assert everything["total"] == len(everything["items"]) == len(platform_campaigns)
    assert {c["external_id"] for c in everything["items"]} == {c.external_id for c in platform_campaigns}
    assert {c["account_id"] for c in everything["items"]} == {str(a) for a in mine.accounts.values()}
    item = everything["items"][0]
    assert item["currency"] in ("EUR", "USD", "GBP") and item["platform"] == "sandbox"

    ext, account_id = mine.first
    by_account = await get(app, viewer, "/campaigns", account_id=str(account_id), limit=200)
    assert by_account["total"] == len(await mine.sandbox.list_campaigns(ext))
    assert {c["account_id"] for c in by_account["items"]} == {str(account_id)}
    assert (await get(app, viewer, "/campaigns", platform="meta"))["total"] == 0
    assert (await get(app, viewer, "/campaigns", platform="sandbox"))["total"] == everything["total"]
    for foreign in (world.theirs.first[1], uuid.uuid4()):  # another org's account, or none: 404 as elsewhere
        assert_problem(
            await app.client.get(
                f"{API}/campaigns", params={"account_id": str(foreign)}, headers=viewer.headers
            ),
            404,
        )
    paused = await get(app, viewer, "/campaigns", status="PAUSED", limit=200)
    assert paused["total"] == sum(c.status.value == "PAUSED" for c in platform_campaigns) > 0
    assert {c["status"] for c in paused["items"]} == {"PAUSED"}
    word = platform_campaigns[0].name.split(" | ")[-1]
    found = await get(app, viewer, "/campaigns", q=word.upper(), limit=200)
    assert found["total"] == sum(word.lower() in c.name.lower() for c in platform_campaigns) > 0
    assert (await get(app, viewer, "/campaigns", q="%"))["total"] == 0  # a literal %, not a wildcard
    assert (await get(app, viewer, "/campaigns", q="_"))["total"] == 0

    def ids(page: dict[str, Any]) -> list[str]:
        return [c["id"] for c in page["items"]]

    for key in ("name", "status", "budget", "updated", "daily_budget_micros"):
        ascending = await get(app, viewer, "/campaigns", sort=key, limit=200)
        descending = await get(app, viewer, "/campaigns", sort=f"-{key}", limit=200)
        assert ids(descending) == ids(ascending)[::-1], key  # ties are broken by id, both ways
    budgets = [
        c["daily_budget_micros"]
        for c in (await get(app, viewer, "/campaigns", sort="budget", limit=200))["items"]
    ]
    assert budgets == sorted(budgets)
    statuses = [
        c["status"] for c in (await get(app, viewer, "/campaigns", sort="-status", limit=200))["items"]
    ]
    assert statuses == sorted(statuses, reverse=True)

    full = ids(await get(app, viewer, "/campaigns", sort="-budget", limit=200))
    page = await get(app, viewer, "/campaigns", sort="-budget", limit=3, offset=3)
    assert ids(page) == full[3:6] and page["total"] == len(full)
    assert (page["limit"], page["offset"]) == (3, 3)
    assert (await get(app, viewer, "/campaigns", offset=len(full)))["items"] == []

    for bad in (
        {"sort": "price"},
        {"sort": "--name"},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"status": "LIVE"},
        {"platform": "myspace"},
        {"account_id": "nope"},
    ):
        problem = assert_problem(
            await app.client.get(f"{API}/campaigns", params=bad, headers=viewer.headers), 422
        )
        assert problem["errors"], bad


async def test_the_search_box_finds_names_platform_ids_and_adpilot_ids(world: World) -> None:
    app, mine, viewer = world.app, world.mine, world.viewer
    listed = (await get(app, viewer, "/campaigns", limit=200))["items"]

    async def found(q: str) -> set[str]:
        return {c["external_id"] for c in (await get(app, viewer, "/campaigns", q=q, limit=200))["items"]}

    campaign = listed[0]
    by_external = {c["external_id"] for c in listed if c["external_id"].startswith(campaign["external_id"])}
    assert await found(campaign["external_id"]) == by_external  # exact (and the ids it prefixes)
    prefix = f"{mine.first[0]}-c"
    assert await found(prefix) == {c["external_id"] for c in listed if c["external_id"].startswith(prefix)}
    assert len(await found(prefix)) > 1
    assert await found(campaign["id"]) == {campaign["external_id"]}  # AdPilot's id: exact
    assert await found(campaign["id"][:8]) == set()  # ...and only exact
    assert await found(str(uuid.uuid4())) == set()
    theirs = (await get(app, world.theirs.tenant, "/campaigns", limit=1))["items"][0]
    assert await found(theirs["id"]) == await found(theirs["external_id"]) == set()  # other orgs' stay hidden


async def test_a_campaign_with_its_ad_groups_and_ads(world: World) -> None:
    app, mine, viewer = world.app, world.mine, world.viewer
    ext, account_id = mine.first
    campaign = (await mine.sandbox.list_campaigns(ext))[0]
    (listed,) = (await get(app, viewer, "/campaigns", account_id=str(account_id), q=campaign.name))["items"]
    detail = await get(app, viewer, f"/campaigns/{listed['id']}")
    assert detail["external_id"] == campaign.external_id and detail["name"] == campaign.name
    groups = [g for g in await mine.sandbox.list_ad_groups(ext) if g.campaign_id == campaign.external_id]
    ads = [a for a in await mine.sandbox.list_ads(ext) if a.ad_group_id in {g.external_id for g in groups}]
    assert {g["external_id"] for g in detail["ad_groups"]} == {g.external_id for g in groups}
    got_ads = {a["external_id"]: a for g in detail["ad_groups"] for a in g["ads"]}
    assert got_ads.keys() == {a.external_id for a in ads}
    sample = ads[0]
    assert got_ads[sample.external_id]["headlines"] == list(sample.headlines)
    assert got_ads[sample.external_id]["final_url"] == sample.final_url

    assert_problem(await app.client.get(f"{API}/campaigns/123", headers=viewer.headers), 404)
    theirs = (await get(app, world.theirs.tenant, "/campaigns", limit=1))["items"][0]["id"]
    assert_problem(await app.client.get(f"{API}/campaigns/{theirs}", headers=viewer.headers), 404)


async def test_sync_runs_are_org_scoped(world: World) -> None:
    app, mine, viewer = world.app, world.mine, world.viewer
    _, account_id = mine.first
    later = await synced(app, mine.tenant, account_id)
    runs = await get(app, viewer, f"/accounts/{account_id}/sync-runs")
    assert [r["id"] for r in runs][:1] == [later["id"]] and len(runs) == 2  # newest first
    assert len(await get(app, viewer, f"/accounts/{account_id}/sync-runs", limit=1)) == 1
    assert (await get(app, viewer, f"/sync-runs/{later['id']}"))["metric_rows"] == later["metric_rows"]

    theirs_account = world.theirs.first[1]
    theirs_run = (await get(app, world.theirs.tenant, f"/accounts/{theirs_account}/sync-runs"))[0]["id"]
    for path in (
        f"/sync-runs/{theirs_run}",
        "/sync-runs/xyz",
        f"/accounts/{theirs_account}/sync-runs",
        "/accounts/xyz/sync-runs",
    ):
        assert_problem(await app.client.get(f"{API}{path}", headers=viewer.headers), 404)
    assert_problem(
        await app.client.get(
            f"{API}/accounts/{account_id}/sync-runs", params={"limit": 1000}, headers=viewer.headers
        ),
        422,
    )
    # Syncing needs a member, of the account's org.
    assert_problem(await app.client.post(f"{API}/accounts/{account_id}/sync", headers=viewer.headers), 403)
    assert_problem(
        await app.client.post(f"{API}/accounts/{theirs_account}/sync", headers=mine.tenant.headers), 404
    )
    assert_problem(await app.client.post(f"{API}/accounts/not-a-uuid/sync", headers=mine.tenant.headers), 404)
    assert await app.scalar("SELECT count(*) FROM sync_runs WHERE account_id = :id", id=theirs_account) == 1
