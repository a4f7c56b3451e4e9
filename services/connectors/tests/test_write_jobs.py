"""Bulk writes through the real app: the write-job API, the leased runner and the sandbox platform, on a real
PostgreSQL and nats-server (audit entries are read back from the AUTH stream)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError
from sqlalchemy import text

from adpilot_common.testing.jetstream import start_up_ticks_handled
from adpilot_common.testing.waiting import eventually
from adpilot_connectors.credentials import seal
from adpilot_connectors.platforms.base import Level, Status
from adpilot_connectors.writes.runner import write_job_gave_up

from .conftest import START_UP_JOBS, ConnectorsApp, Tenant
from .fake_tiktok import APP_ID as TIKTOK_APP_ID
from .fake_tiktok import APP_SECRET as TIKTOK_APP_SECRET
from .fake_tiktok import TOKEN as TIKTOK_TOKEN
from .fake_tiktok import run_fake_tiktok
from .write_support import (
    API,
    FINISHED,
    ad,
    ads_of_group,
    audit_count,
    audit_events,
    calls,
    campaign_and_group,
    finished,
    get_job,
    link_sandbox,
    stream_events,
    submit,
)


async def last_event(nats_client: NatsClient, subject: str) -> dict[str, Any]:
    """The stream's last event on ``subject``, once the outbox relay has published it (it relays on its own
    schedule, after the job's transaction commits)."""
    js = nats_client.jetstream()

    async def stored() -> dict[str, Any] | None:
        try:
            message = await js.get_last_msg("CONNECTORS", subject)
        except NotFoundError:
            return None
        found: dict[str, Any] = json.loads(message.data)
        return found

    return await eventually(stored, what=f"a {subject} event")


async def without_syncs(app: ConnectorsApp, nats_client: NatsClient, account_id: uuid.UUID) -> None:
    """No sync of the account runs during the test (a sync meeting a paused quota pauses it again, which would
    undo :func:`time_passes`): scheduled syncs off for it, and any run the startup tick queued finished."""
    async with app.engine.begin() as conn:
        await conn.execute(
            text("UPDATE ad_accounts SET sync_enabled = false WHERE id = :a"), {"a": account_id}
        )

    async def idle() -> bool:
        active = await app.scalar(
            "SELECT count(*) FROM sync_runs WHERE account_id = :a AND status IN ('queued', 'running')",
            a=account_id,
        )
        return active == 0 and await start_up_ticks_handled(
            nats_client.jetstream(), "connectors", START_UP_JOBS
        )

    await eventually(idle)


async def time_passes(app: ConnectorsApp, connection_id: uuid.UUID) -> None:
    """The deferral and the quota pause end now (instead of in an hour): the runner picks the job up again."""
    async with app.engine.begin() as conn:
        await conn.execute(text("UPDATE write_jobs SET available_at = now() WHERE status = 'queued'"))
        await conn.execute(
            text("UPDATE platform_connections SET paused_until = now() WHERE id = :c"), {"c": connection_id}
        )
        await conn.execute(text("SELECT pg_notify('adpilot_jobs_write_jobs', '')"))


# ------------------------------------------------------------------------------------------------ bulk job


async def test_bulk_job_reports_per_item_results_and_retries_what_is_worth_it(
    connectors_settings, start_connectors, nats_client
) -> None:
    async with start_connectors(connectors_settings(write_chunk_size=25)) as app:
        tenant = app.tenant("member")
        linked = await link_sandbox(app, tenant)
        sandbox, account = linked.sandbox, linked.external_id
        policy, unknown_group = {10, 150, 230}, {20, 200}
        operations = [
            *campaign_and_group(),
            {"op": "create_ad_group", "name": "Trail Shoes", "campaign_ref": 0},  # 2: name taken
            ad(999, ad_group_ref=2),  # 3: its ad group fails
        ]
        for n in range(250):  # positions 4..253
            if n in policy:
                operations.append(ad(n, headlines=["Miracle trail shoes", "Light and fast", "Free returns"]))
            elif n in unknown_group:
                operations.append(ad(n, ad_group_id="no-such-group"))
            else:
                operations.append(ad(n))
        # The third create_ads call (positions 53..77) meets a platform outage.
        sandbox.fail_next("transient", method="create_ads", after_calls=2)

        job = await submit(app, tenant, linked.account_id, operations)
        assert job["status"] == "queued" and job["progress"] == {
            "total": 254,
            "succeeded": 0,
            "failed": 0,
            "pending": 254,
        }
        snapshots: list[dict[str, Any]] = []
        result = await finished(app, tenant, job["id"], snapshots)

        # Progress while it ran: always consistent, never going backwards.
        done = [s["progress"]["succeeded"] + s["progress"]["failed"] for s in snapshots]
        assert done == sorted(done)
        assert all(
            sum(s["progress"][k] for k in ("succeeded", "failed", "pending")) == 254 for s in snapshots
        )

        assert result["status"] == "partially_failed"
        assert result["progress"] == {"total": 254, "succeeded": 222, "failed": 32, "pending": 0}
        items = {i["position"]: i for i in result["items"]}
        assert [items[p]["status"] for p in (0, 1)] == ["succeeded", "succeeded"]
        campaign_id, group_id = items[0]["external_id"], items[1]["external_id"]
        assert (items[2]["status"], items[2]["error_kind"]) == ("failed", "invalid_request")
        assert "already exists" in items[2]["error"]
        assert (items[3]["error_kind"], items[3]["error"]) == (
            "dependency_failed",
            "operation 2 (create_ad_group) failed",
        )
        assert {p for p, i in items.items() if i["error_kind"] == "policy"} == {4 + n for n in policy}
        assert {p for p, i in items.items() if i["error_kind"] == "invalid_request"} == {2} | {
            4 + n for n in unknown_group
        }
        transient = {p for p, i in items.items() if i["error_kind"] == "transient"}
        assert transient == set(range(53, 78))
        assert all("outcome unknown" in items[p]["error"] for p in transient)
        assert all(i["attempts"] == 1 for i in items.values())

        # Everything was created paused, once.
        created = next(c for c in await sandbox.list_campaigns(account) if c.external_id == campaign_id)
        assert created.status == Status.PAUSED and created.daily_budget_micros == 50_000_000
        group = next(g for g in await sandbox.list_ad_groups(account) if g.external_id == group_id)
        assert group.status == Status.PAUSED
        names = await ads_of_group(sandbox, account, group_id)
        assert len(names) == len(set(names)) == 250 - 3 - 2 - 25
        assert {a.status for a in await sandbox.list_ads(account) if a.ad_group_id == group_id} == {
            Status.PAUSED
        }
        assert calls(sandbox, "create_ads") == 11  # 251 ads in chunks of 25, the failed call included

        # Retry: only the outage's items go again; refused ones and the orphan stay failed.
        retried = await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=tenant.headers)
        assert retried.status_code == 202, retried.text
        assert retried.json()["status"] == "queued" and retried.json()["progress"]["pending"] == 25
        result = await finished(app, tenant, job["id"])
        assert result["progress"] == {"total": 254, "succeeded": 247, "failed": 7, "pending": 0}
        assert result["status"] == "partially_failed"
        items = {i["position"]: i for i in result["items"]}
        assert all(items[p]["status"] == "succeeded" and items[p]["attempts"] == 2 for p in transient)
        assert {p for p, i in items.items() if i["status"] == "failed"} == {2, 3} | {
            4 + n for n in policy | unknown_group
        }
        names = await ads_of_group(sandbox, account, group_id)
        assert len(names) == len(set(names)) == 245
        assert calls(sandbox, "create_ads") == 12

        again = await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=tenant.headers)
        assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
        assert again.json()["title"] == "Nothing to retry"

        # Audited: the request, the retry and each write that reached the platform, as the job's creator.
        events = await audit_count(nats_client, tenant.org_id, 1 + 222 + 1 + 25)
        actions = Counter(e["data"]["action"] for e in events)
        assert actions == {
            "connector.write_job_created": 1,
            "connector.write_job_retried": 1,
            "ads.campaign_created": 1,
            "ads.ad_group_created": 1,
            "ads.ad_created": 245,
        }
        assert {e["data"]["actor_user_id"] for e in events} == {str(tenant.user_id)}
        requested = next(e["data"] for e in events if e["data"]["action"] == "connector.write_job_created")
        assert requested["resource_id"] == job["id"] and requested["changes"]["operations"] == {
            "create_campaign": 1,
            "create_ad_group": 2,
            "create_ad": 251,
        }
        campaign_event = next(e["data"] for e in events if e["data"]["action"] == "ads.campaign_created")
        assert campaign_event["resource_type"] == "campaign" and campaign_event["resource_id"] == campaign_id
        assert campaign_event["changes"]["after"]["status"] == "PAUSED"
        ad_ids = [e["data"]["resource_id"] for e in events if e["data"]["action"] == "ads.ad_created"]
        assert len(set(ad_ids)) == 245


async def test_rate_limit_defers_the_job_and_it_resumes_without_sending_anything_twice(
    connectors_settings, start_connectors, nats_client
) -> None:
    async with start_connectors(connectors_settings(write_chunk_size=25)) as app:
        tenant = app.tenant("member")
        linked = await link_sandbox(app, tenant)
        await without_syncs(app, nats_client, linked.account_id)
        sandbox, account = linked.sandbox, linked.external_id
        sandbox.fail_next("rate_limited", method="create_ads", after_calls=2, retry_after_s=3600)
        job = await submit(
            app, tenant, linked.account_id, [*campaign_and_group(), *(ad(n) for n in range(100))]
        )

        async def deferred() -> dict[str, Any] | None:
            current = await get_job(app, tenant, job["id"])
            return current if current["status"] == "queued" and current["progress"]["succeeded"] else None

        mid = await eventually(deferred)
        # Mid-run, as the API shows it: two chunks of ads written, the rest waiting for the quota.
        assert mid["progress"] == {"total": 102, "succeeded": 52, "failed": 0, "pending": 50}
        assert [i["status"] for i in mid["items"]] == ["succeeded"] * 52 + ["pending"] * 50
        assert datetime.fromisoformat(mid["next_attempt_at"]) > datetime.now(UTC) + timedelta(minutes=50)
        assert "rate_limited" in mid["error"]
        paused = await app.scalar(
            "SELECT paused_until FROM platform_connections WHERE id = :c", c=linked.connection_id
        )
        assert paused > datetime.now(UTC) + timedelta(minutes=50)
        assert calls(sandbox, "create_ads") == 3
        busy = await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=tenant.headers)
        assert busy.status_code == 409 and busy.json()["title"] == "Write job still running"

        await time_passes(app, linked.connection_id)
        result = await finished(app, tenant, job["id"])
        assert result["status"] == "succeeded" and result["error"] is None
        assert result["progress"] == {"total": 102, "succeeded": 102, "failed": 0, "pending": 0}
        assert all(i["attempts"] == 1 for i in result["items"])
        names = await ads_of_group(sandbox, account, result["items"][1]["external_id"])
        assert sorted(names) == [f"Ad {n:03d}" for n in range(100)]  # each exactly once
        assert calls(sandbox, "create_ads") == 5


async def test_a_quota_that_outlasts_the_attempts_fails_the_rest_as_retryable(
    connectors_app, nats_client
) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    await without_syncs(app, nats_client, linked.account_id)
    linked.sandbox.fail_next("rate_limited", method="create_ads", times=100, retry_after_s=0.5)
    job = await submit(app, tenant, linked.account_id, [*campaign_and_group(), *(ad(n) for n in range(3))])
    result = await finished(app, tenant, job["id"])
    # Deferred on every attempt; on the runner's last one the waiting items fail instead of the whole job.
    assert result["status"] == "partially_failed"
    assert [(i["status"], i["error_kind"]) for i in result["items"]] == [("succeeded", None)] * 2 + [
        ("failed", "rate_limited")
    ] * 3
    assert result["items"][2]["attempts"] == 1
    linked.sandbox.clear_failures()
    await time_passes(app, linked.connection_id)
    retried = await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=tenant.headers)
    assert retried.status_code == 202
    result = await finished(app, tenant, job["id"])
    assert result["status"] == "succeeded"
    assert [i["attempts"] for i in result["items"]] == [1, 1, 2, 2, 2]


async def test_a_job_the_runner_gives_up_on_keeps_its_results(connectors_app) -> None:
    """``write_job_gave_up`` (the runner's give-up hook) fails what is still pending, as retryable."""
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    linked.sandbox.fail_next("rate_limited", method="create_ads", retry_after_s=3600)
    job = await submit(app, tenant, linked.account_id, [*campaign_and_group(), ad(1), ad(2)])

    async def deferred() -> bool:
        return (await get_job(app, tenant, job["id"]))["status"] == "queued" and bool(
            await app.scalar("SELECT succeeded FROM write_jobs WHERE id = :j", j=job["id"])
        )

    await eventually(deferred)
    async with app.connectors.sessions() as session, session.begin():
        await session.execute(
            text("UPDATE write_jobs SET status = 'failed', error = 'gave up' WHERE id = :j"), {"j": job["id"]}
        )
        await write_job_gave_up(session, uuid.UUID(job["id"]), "gave up after 5 attempts")
    result = await get_job(app, tenant, job["id"])
    assert result["status"] == "partially_failed"
    assert result["progress"] == {"total": 4, "succeeded": 2, "failed": 2, "pending": 0}
    assert [i["error_kind"] for i in result["items"][2:]] == ["transient", "transient"]
    assert result["items"][2]["error"] == "not attempted: gave up after 5 attempts"


async def test_revoked_access_fails_the_rest_and_retry_waits_for_the_reconnect(
    connectors_app, nats_client
) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    linked.sandbox.fail_next("reconnect", method="create_ads")
    job = await submit(app, tenant, linked.account_id, [*campaign_and_group(), *(ad(n) for n in range(3))])
    result = await finished(app, tenant, job["id"])
    assert result["status"] == "partially_failed"
    assert [(i["status"], i["error_kind"]) for i in result["items"]] == [("succeeded", None)] * 2 + [
        ("failed", "reconnect_required")
    ] * 3
    status = await app.scalar("SELECT status FROM platform_connections WHERE id = :c", c=linked.connection_id)
    assert status == "reconnect_required"
    blocked = await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=tenant.headers)
    assert blocked.status_code == 409 and "linked again" in blocked.json()["detail"]
    refused = await app.client.post(
        f"{API}/accounts/{linked.account_id}/write-jobs", headers=tenant.headers, json={"operations": [ad(9)]}
    )
    assert refused.status_code == 409 and refused.json()["title"] == "Reconnect required"

    async with app.engine.begin() as conn:  # the user linked the login again
        await conn.execute(
            text("UPDATE platform_connections SET status = 'active', status_reason = NULL WHERE id = :c"),
            {"c": linked.connection_id},
        )
    retried = await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=tenant.headers)
    assert retried.status_code == 202
    result = await finished(app, tenant, job["id"])
    assert result["status"] == "succeeded"
    names = await ads_of_group(linked.sandbox, linked.external_id, result["items"][1]["external_id"])
    assert sorted(names) == ["Ad 000", "Ad 001", "Ad 002"]


async def test_status_and_budget_changes_are_audited_with_what_the_mirror_knew(
    connectors_app, nats_client
) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    sandbox, account = linked.sandbox, linked.external_id
    live = next(c for c in await sandbox.list_campaigns(account) if c.status == Status.ENABLED)
    async with app.engine.begin() as conn:
        # The row as a sync left it; no sync may touch it during the test.
        await conn.execute(
            text("UPDATE ad_accounts SET sync_enabled = false WHERE id = :a"), {"a": linked.account_id}
        )
        await conn.execute(
            text(
                "INSERT INTO campaigns (id, org_id, account_id, external_id, name, status, fingerprint, "
                "daily_budget_micros) VALUES (:id, :org, :acct, :ext, :name, 'ENABLED', 'synced', :budget) "
                "ON CONFLICT (account_id, external_id) DO UPDATE SET status = 'ENABLED', fingerprint = 'synced', "
                "daily_budget_micros = :budget"
            ),
            {
                "id": uuid.uuid4(),
                "org": tenant.org_id,
                "acct": linked.account_id,
                "ext": live.external_id,
                "name": live.name,
                "budget": live.daily_budget_micros,
            },
        )
    operations = [
        {"op": "set_status", "level": "campaign", "external_id": live.external_id, "status": "PAUSED"},
        {"op": "set_budget", "campaign_id": live.external_id, "daily_budget_micros": 77_000_000},
        {"op": "create_campaign", "name": "Launch now", "daily_budget_micros": 20_000_000},
        {"op": "set_status", "level": "campaign", "ref": 2, "status": "ENABLED"},
        {"op": "set_status", "level": "ad_group", "external_id": "no-such-group", "status": "PAUSED"},
        {"op": "set_budget", "campaign_id": live.external_id, "daily_budget_micros": 1_234_567},  # half cents
    ]
    job = await submit(app, tenant, linked.account_id, operations)
    result = await finished(app, tenant, job["id"])
    assert result["status"] == "partially_failed"
    items = result["items"]
    assert [i["status"] for i in items] == ["succeeded"] * 4 + ["failed"] * 2
    assert [i["error_kind"] for i in items[4:]] == ["invalid_request", "invalid_request"]
    assert items[0]["external_id"] == live.external_id and items[3]["external_id"] == items[2]["external_id"]

    campaigns = {c.external_id: c for c in await sandbox.list_campaigns(account)}
    assert campaigns[live.external_id].status == Status.PAUSED
    assert campaigns[live.external_id].daily_budget_micros == 77_000_000
    assert campaigns[items[2]["external_id"]].status == Status.ENABLED  # created paused, then enabled
    (row,) = await app.rows(
        "SELECT status, daily_budget_micros, fingerprint FROM campaigns WHERE account_id = :a AND external_id = :e",
        a=linked.account_id,
        e=live.external_id,
    )
    # Accepted changes are mirrored at once (new fingerprint), each with its campaign event.
    assert (row["status"], row["daily_budget_micros"]) == ("PAUSED", 77_000_000)
    assert row["fingerprint"] != "synced"
    # No closing sync: the account's sync is off. (A scheduled tick that fell between linking and switching
    # sync off may have queued a "schedule" run; that is not the job's doing.)
    assert (
        await app.scalar(
            "SELECT count(*) FROM sync_runs WHERE account_id = :a AND trigger = 'manual'", a=linked.account_id
        )
        == 0
    )
    status_event = await last_event(nats_client, "campaign.v1.status_changed")
    assert status_event["org_id"] == str(tenant.org_id)
    assert (status_event["data"]["external_id"], status_event["data"]["previous_status"]) == (
        live.external_id,
        "ENABLED",
    )
    updated = (await last_event(nats_client, "campaign.v1.updated"))["data"]
    assert (updated["changed"], updated["daily_budget_micros"]) == (["daily_budget_micros"], 77_000_000)

    events = await audit_count(nats_client, tenant.org_id, 5)
    by_action = {
        e["data"]["action"]: e["data"] for e in events if e["data"]["resource_id"] == live.external_id
    }
    assert by_action["ads.status_changed"]["resource_type"] == "campaign"
    assert by_action["ads.status_changed"]["changes"]["before"] == {"status": "ENABLED"}
    assert by_action["ads.status_changed"]["changes"]["after"] == {"status": "PAUSED"}
    assert by_action["ads.budget_changed"]["changes"]["before"] == {
        "daily_budget_micros": live.daily_budget_micros
    }
    assert by_action["ads.budget_changed"]["changes"]["after"] == {"daily_budget_micros": 77_000_000}
    new_events = [e["data"] for e in events if e["data"]["resource_id"] == items[2]["external_id"]]
    assert sorted(e["action"] for e in new_events) == ["ads.campaign_created", "ads.status_changed"]
    assert len(await audit_events(nats_client, tenant.org_id)) == 5  # the two failed items left no entry


async def test_validate_only_writes_nothing(connectors_app, nats_client) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    sandbox, account = linked.sandbox, linked.external_id
    before = (
        await sandbox.list_campaigns(account),
        await sandbox.list_ad_groups(account),
        await sandbox.list_ads(account),
    )
    existing = before[0][0]
    operations = [
        *campaign_and_group(),
        ad(1),
        ad(2),
        {"op": "create_campaign", "name": existing.name, "daily_budget_micros": 10_000_000},  # name taken
        {"op": "create_ad_group", "name": "Dry group", "campaign_id": existing.external_id},
        {"op": "set_status", "level": "campaign", "external_id": existing.external_id, "status": "PAUSED"},
        {"op": "set_budget", "campaign_id": existing.external_id, "daily_budget_micros": 99_000_000},
    ]
    job = await submit(app, tenant, linked.account_id, operations, validate_only=True)
    assert job["validate_only"] is True
    result = await finished(app, tenant, job["id"])
    assert result["status"] == "partially_failed"
    assert [i["status"] for i in result["items"]] == ["succeeded"] * 4 + ["failed"] + ["succeeded"] * 3
    assert "already exists" in result["items"][4]["error"]
    assert all(i["external_id"] is None for i in result["items"][:6])
    after = (
        await sandbox.list_campaigns(account),
        await sandbox.list_ad_groups(account),
        await sandbox.list_ads(account),
    )
    assert after == before
    assert calls(sandbox, "set_status") == calls(sandbox, "set_daily_budget") == 0
    events = await audit_count(nats_client, tenant.org_id, 1)
    assert [e["data"]["action"] for e in events] == ["connector.write_job_created"]
    assert events[0]["data"]["changes"]["validate_only"] is True


async def test_a_tiktok_job_through_the_real_client(connectors_settings, start_connectors) -> None:
    """The runner with a real client (TikTok against its loopback fake): the app's identity reaches the ads,
    everything is created paused, a refused ad fails alone."""
    async with run_fake_tiktok() as fake:
        advertiser = "7001000000000000009"
        fake.add_advertiser(advertiser, "Acme DE", currency="EUR", timezone="Europe/Berlin")
        fake.refuse_names.add("Ad 002")
        settings = connectors_settings(
            tiktok={
                "app_id": TIKTOK_APP_ID,
                "app_secret": TIKTOK_APP_SECRET,
                "base_url": fake.base_url,
                "identity_id": "7100000000000000001",
            }
        )
        async with start_connectors(settings) as app:
            tenant = app.tenant("member")
            account_id = await insert_linked_account(app, tenant, "tiktok", advertiser, TIKTOK_TOKEN)
            text = "New trail shoes, 20% off this week"
            operations = [
                {"op": "create_campaign", "name": "Spring", "daily_budget_micros": 60_000_000},
                {"op": "create_ad_group", "name": "DE", "campaign_ref": 0, "countries": ["DE"]},
                *(
                    ad(n, headlines=[], descriptions=[text], video_id="v10033g50000", path1=None)
                    for n in range(3)
                ),
            ]
            no_video = await app.client.post(
                f"{API}/accounts/{account_id}/write-jobs",
                headers=tenant.headers,
                json={"operations": [ad(9, ad_group_id="1", headlines=[], descriptions=[text], path1=None)]},
            )
            assert no_video.status_code == 422
            assert "a TikTok ad needs video_id or image_id" in no_video.json()["errors"][0]["problems"]

            job = await submit(app, tenant, account_id, operations)
            result = await finished(app, tenant, job["id"])
        assert result["platform"] == "tiktok" and result["status"] == "partially_failed"
        items = result["items"]
        assert [i["status"] for i in items] == ["succeeded"] * 4 + ["failed"]
        assert items[4]["error_kind"] == "invalid_request" and "already exists" in items[4]["error"]
        campaign = fake.find("campaign", items[0]["external_id"])
        group = fake.find("adgroup", items[1]["external_id"])
        assert campaign is not None and campaign.operation_status == "DISABLE"
        assert group is not None and group.operation_status == "DISABLE"
        creates = [r.body for r in fake.requests if r.path.endswith("/ad/create/")]
        assert len(creates) == 3
        assert {c["creatives"][0]["identity_id"] for c in creates} == {"7100000000000000001"}
        assert all(fake.find("ad", i["external_id"]).operation_status == "DISABLE" for i in items[2:4])
        (group_body,) = [r.body for r in fake.requests if r.path.endswith("/adgroup/create/")]
        assert group_body["location_ids"] == ["2921044"] and group_body["campaign_id"] == campaign.id


async def insert_linked_account(
    app: ConnectorsApp, tenant: Tenant, platform: str, external_id: str, token: str
) -> uuid.UUID:
    """A linked login with one ad account, as linking would store it (the token sealed)."""
    connection_id, account_id = uuid.uuid4(), uuid.uuid4()
    async with app.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO platform_connections (id, org_id, platform, created_by, label, "
                "access_token_encrypted, status) VALUES (:id, :org, :platform, :user, 'test', :token, 'active')"
            ),
            {
                "id": connection_id,
                "org": tenant.org_id,
                "platform": platform,
                "user": tenant.user_id,
                "token": seal(app.connectors.box, token),
            },
        )
        await conn.execute(
            text(
                "INSERT INTO ad_accounts (id, org_id, connection_id, platform, external_id, name, currency, "
                "time_zone, status, is_manager, sync_enabled) VALUES (:id, :org, :c, :platform, :ext, 'Acme', "
                "'EUR', 'Europe/Berlin', 'ENABLED', false, false)"
            ),
            {
                "id": account_id,
                "org": tenant.org_id,
                "c": connection_id,
                "platform": platform,
                "ext": external_id,
            },
        )
    return account_id


async def test_a_job_mirrors_its_change_at_once_and_the_following_sync_repeats_nothing(
    connectors_app, nats_client
) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    first = await app.client.post(f"{API}/accounts/{linked.account_id}/sync", headers=tenant.headers)
    assert first.status_code == 202, first.text

    async def idle() -> bool:
        runs = await app.rows("SELECT status FROM sync_runs WHERE account_id = :a", a=linked.account_id)
        return (
            bool(runs)
            and all(r["status"] in FINISHED for r in runs)
            and await start_up_ticks_handled(nats_client.jetstream(), "connectors", START_UP_JOBS)
        )

    await eventually(idle)
    before = await app.scalar("SELECT count(*) FROM sync_runs WHERE account_id = :a", a=linked.account_id)
    campaigns = await linked.sandbox.list_campaigns(linked.external_id)
    live = next(c for c in campaigns if c.status == Status.ENABLED)
    operation = {"op": "set_status", "level": "campaign", "external_id": live.external_id, "status": "PAUSED"}
    job = await submit(app, tenant, linked.account_id, [operation])
    assert (await finished(app, tenant, job["id"]))["status"] == "succeeded"

    runs = await app.rows(
        "SELECT trigger, requested_by FROM sync_runs WHERE account_id = :a ORDER BY queued_at",
        a=linked.account_id,
    )
    assert len(runs) == before + 1
    assert dict(runs[-1]) == {"trigger": "manual", "requested_by": tenant.user_id}

    async def mirrored() -> bool:
        status = await app.scalar(
            "SELECT status FROM campaigns WHERE account_id = :a AND external_id = :e",
            a=linked.account_id,
            e=live.external_id,
        )
        return status == "PAUSED"

    assert await mirrored()  # in the job's own transaction, before the sync it queued
    event = (await last_event(nats_client, "campaign.v1.status_changed"))["data"]
    assert (event["external_id"], event["previous_status"], event["status"]) == (
        live.external_id,
        "ENABLED",
        "PAUSED",
    )
    await eventually(idle)  # the sync the job queued has run: it found the change already mirrored
    announced = [
        e
        for e in await stream_events(nats_client, "campaign.v1.status_changed")
        if e["external_id"] == live.external_id
    ]
    assert len(announced) == 1, announced


# --------------------------------------------------------------------------------------------- bad input


async def test_bad_operations_are_listed_by_index_and_nothing_is_stored(connectors_app) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    operations = [
        *campaign_and_group(),  # 0, 1: fine
        ad(2, headlines=["This headline is far too long for RSA", "B", "C"]),  # 2
        ad(3, headlines=["Only", "Two"], descriptions=["x" * 91, "fine"]),  # 3
        ad(4, path1="p" * 16),  # 4
        {"op": "create_campaign", "name": "Zero", "daily_budget_micros": 0},  # 5
        {"op": "set_status", "level": "campaign", "external_id": "1", "status": "ACTIVE"},  # 6
        ad(7, final_url="http://shop.example/insecure"),  # 7
        {"op": "launch_rocket"},  # 8
        {"op": "create_ad_group", "name": "Forward", "campaign_ref": 11},  # 9
        ad(10, ad_group_ref=0),  # 10: its ref is a campaign
        {"op": "create_ad_group", "name": "Both", "campaign_id": "1", "campaign_ref": 0},  # 11
        {"op": "set_status", "level": "ad", "ref": 1, "status": "PAUSED"},  # 12: ref creates an ad group
    ]
    response = await app.client.post(
        f"{API}/accounts/{linked.account_id}/write-jobs",
        headers=tenant.headers,
        json={"operations": operations},
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Invalid operations"
    errors = {e["index"]: e for e in body["errors"]}
    assert sorted(errors) == list(range(2, 13))
    assert "headline 1 is longer than 30 characters" in errors[2]["problems"]
    assert any("3-15 headlines" in p for p in errors[3]["problems"])
    assert any("description 1" in p for p in errors[3]["problems"])
    assert any("path1" in p for p in errors[4]["problems"])
    assert errors[5]["op"] == "create_campaign" and "daily_budget_micros" in errors[5]["problems"][0]
    assert "status" in errors[6]["problems"][0]
    assert "final_url" in errors[7]["problems"][0]
    assert errors[8]["op"] == "launch_rocket"
    assert errors[9]["problems"] == ["reference 11 must point at an earlier operation"]
    assert errors[10]["problems"] == ["reference 0 is a create_campaign; expected create_ad_group"]
    assert "exactly one of campaign_id and campaign_ref" in errors[11]["problems"][0]
    assert errors[12]["problems"] == ["reference 1 is a create_ad_group; expected create_ad for level ad"]
    assert await app.scalar("SELECT count(*) FROM write_jobs") == 0
    assert await app.scalar("SELECT count(*) FROM write_job_items") == 0

    for body in ({"operations": []}, {"operations": [ad(1)] * 1001}, {"operations": [ad(1)], "extra": 1}):
        bad = await app.client.post(
            f"{API}/accounts/{linked.account_id}/write-jobs", headers=tenant.headers, json=body
        )
        assert bad.status_code == 422, bad.text
    assert await app.scalar("SELECT count(*) FROM write_jobs") == 0


# ------------------------------------------------------------------------------------------ tenancy, roles


async def test_other_orgs_and_viewers_cannot_write(connectors_app) -> None:
    app = connectors_app
    owner = app.tenant("member")
    linked = await link_sandbox(app, owner)
    job = await submit(app, owner, linked.account_id, [ad(1, ad_group_id="no-such-group")])
    await finished(app, owner, job["id"])

    stranger = app.tenant("admin")
    for method, path in (
        ("POST", f"{API}/accounts/{linked.account_id}/write-jobs"),
        ("GET", f"{API}/write-jobs/{job['id']}"),
        ("POST", f"{API}/write-jobs/{job['id']}/retry"),
        ("GET", f"{API}/write-jobs?account_id={linked.account_id}"),
        ("GET", f"{API}/write-jobs/not-a-uuid"),
        ("POST", f"{API}/accounts/not-a-uuid/write-jobs"),
    ):
        response = await app.client.request(
            method, path, headers=stranger.headers, json={"operations": [ad(1)]}
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    listed = await app.client.get(f"{API}/write-jobs", headers=stranger.headers)
    assert listed.json() == {"items": [], "total": 0}

    viewer = app.tenant("viewer", org_id=owner.org_id)
    denied = await app.client.post(
        f"{API}/accounts/{linked.account_id}/write-jobs", headers=viewer.headers, json={"operations": [ad(1)]}
    )
    assert denied.status_code == 403
    assert (
        await app.client.post(f"{API}/write-jobs/{job['id']}/retry", headers=viewer.headers)
    ).status_code == 403
    assert (await app.client.get(f"{API}/write-jobs/{job['id']}", headers=viewer.headers)).status_code == 200
    assert (await app.client.get(f"{API}/write-jobs")).status_code == 401


async def test_jobs_are_listed_newest_first_with_filters(connectors_app) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    first = await submit(app, tenant, linked.account_id, [ad(1, ad_group_id="no-such-group")])
    await finished(app, tenant, first["id"])
    second = await submit(app, tenant, linked.account_id, campaign_and_group("Listed"))
    await finished(app, tenant, second["id"])

    listed = (await app.client.get(f"{API}/write-jobs", headers=tenant.headers)).json()
    assert listed["total"] == 2 and [j["id"] for j in listed["items"]] == [second["id"], first["id"]]
    assert listed["items"][0]["platform"] == "sandbox" and "items" not in listed["items"][0]
    failed = (await app.client.get(f"{API}/write-jobs?status=failed", headers=tenant.headers)).json()
    assert [j["id"] for j in failed["items"]] == [first["id"]]
    page = (
        await app.client.get(
            f"{API}/write-jobs?account_id={linked.account_id}&limit=1&offset=1", headers=tenant.headers
        )
    ).json()
    assert page["total"] == 2 and [j["id"] for j in page["items"]] == [first["id"]]
    bad = await app.client.get(f"{API}/write-jobs?status=exploded", headers=tenant.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("level", [Level.AD_GROUP, Level.AD])
async def test_set_status_refs_must_match_the_level(connectors_app, level: Level) -> None:
    app = connectors_app
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    operations = [
        *campaign_and_group(),
        ad(1),
        {"op": "set_status", "level": level.value, "ref": 0, "status": "ENABLED"},
    ]
    response = await app.client.post(
        f"{API}/accounts/{linked.account_id}/write-jobs",
        headers=tenant.headers,
        json={"operations": operations},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "index": 3,
            "op": "set_status",
            "problems": [
                f"reference 0 is a create_campaign; expected create_{level.value} for level {level.value}"
            ],
        }
    ]
