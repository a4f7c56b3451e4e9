"""Unlinking and linking the same platform accounts again: AdPilot's ids come back, so metrics replace facts."""

from __future__ import annotations

import uuid

from nats.aio.client import Client as NatsClient

from adpilot_connectors.identity import account_id_for, mirror_id_for

from .conftest import ConnectorsApp
from .sync_support import connector_events, link_sandbox, of_run, synced

API = "/api/connectors"


def test_ids_are_derived_from_what_identifies_the_object_on_the_platform() -> None:
    org, other_org = uuid.uuid4(), uuid.uuid4()
    account = account_id_for(org, "google", "123-456-7890")
    assert account == account_id_for(org, "google", "123-456-7890") and account.version == 5
    assert account != account_id_for(other_org, "google", "123-456-7890")  # orgs never share an id
    assert account != account_id_for(org, "meta", "123-456-7890")
    assert account != account_id_for(org, "google", "123-456-7891")
    campaign = mirror_id_for(account, "campaigns", "42")
    assert campaign == mirror_id_for(account, "campaigns", "42")
    assert campaign not in {
        mirror_id_for(account, "ad_groups", "42"),
        mirror_id_for(account, "campaigns", "43"),
    }


async def test_a_relinked_account_gets_its_ids_back_and_its_metrics_the_same_key(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    external_id, account_id = linked.first
    first = await synced(app, tenant, account_id)
    campaigns = {
        c["external_id"]: c["id"]
        for c in (
            await app.client.get(f"{API}/campaigns", params={"limit": 200}, headers=tenant.headers)
        ).json()["items"]
    }

    unlinked = await app.client.delete(f"{API}/connections/{linked.connection_id}", headers=tenant.headers)
    assert unlinked.status_code == 204
    assert await app.scalar("SELECT count(*) FROM ad_accounts WHERE org_id = :org", org=tenant.org_id) == 0
    again = await link_sandbox(app, tenant)

    assert again.connection_id != linked.connection_id
    assert again.accounts == linked.accounts  # the same AdPilot id for every platform account
    assert account_id == account_id_for(tenant.org_id, "sandbox", external_id)
    second = await synced(app, tenant, account_id)
    assert second["status"] == first["status"] == "succeeded"
    relisted = (
        await app.client.get(f"{API}/campaigns", params={"limit": 200}, headers=tenant.headers)
    ).json()
    assert {c["external_id"]: c["id"] for c in relisted["items"]} == campaigns

    events = await connector_events(app, nats_client, "metrics.v1.fetched")
    for run in (first, second):
        batches = of_run(events, run["id"])
        assert batches and {e.data["account_id"] for e in batches} == {str(account_id)}
