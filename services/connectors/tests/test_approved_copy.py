"""``copy.v1.approved`` from ai-copy becomes a write job creating the ad, paused, in the named ad group of the
sandbox; copy for another platform, copy without a target and a redelivered approval are handled, and how
publishing ended goes back to ai-copy as ``connector.v1.copy_published`` / ``copy_publish_failed`` (real
nats-server, PostgreSQL and the write-job runner)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from nats.aio.client import Client as NatsClient
from sqlalchemy import text

from adpilot_common.events.contracts.copy import CopyApproved
from adpilot_common.messaging.outbox import build_event
from adpilot_common.testing.jetstream import consumer_caught_up
from adpilot_common.testing.outbox import staged_events
from adpilot_common.testing.waiting import eventually
from adpilot_connectors.config import Settings
from adpilot_connectors.platforms.base import ErrorKind
from adpilot_connectors.writes.approved_copy import approved_copy_handler
from adpilot_connectors.writes.copy_outcome import UNLINKED, human_reason

from .conftest import ConnectorsApp, Tenant
from .write_support import (
    DESCRIPTIONS,
    HEADLINES,
    audit_count,
    campaign_and_group,
    finished,
    link_sandbox,
    stream_events,
    submit,
)

CONSUMER = "connectors--copy-v1-approved"


def approval(tenant: Tenant, **fields: Any) -> CopyApproved:
    values: dict[str, Any] = {
        "copy_id": uuid.uuid4(),
        "generation_id": uuid.uuid4(),
        "platform": "google",
        "approved_by": tenant.user_id,
        "final_url": "https://shop.example/trail",
        "name": "Trail shoes RSA",
        "headlines": HEADLINES,
        "descriptions": DESCRIPTIONS,
        "path1": "trail",
        "fields": {"headlines": HEADLINES, "descriptions": DESCRIPTIONS},
        "provider": "offline",
        "offline": True,
    }
    values.update(fields)
    return CopyApproved(**values)


async def publish(
    nats_client: NatsClient, tenant: Tenant, approved: CopyApproved, event_id: uuid.UUID | None = None
) -> None:
    """Publish as ai-copy's relay would, and wait until the connectors' consumer has handled it."""
    js = nats_client.jetstream()
    event = build_event(
        "copy.v1.approved", approved, source="ai-copy", org_id=tenant.org_id, event_id=event_id
    )
    ack = await js.publish("copy.v1.approved", event.to_bytes(), headers={"Nats-Msg-Id": str(uuid.uuid4())})

    await eventually(lambda: consumer_caught_up(js, "AI_COPY", CONSUMER, ack.seq))


async def outcomes(
    nats_client: NatsClient, subject: str, copy_id: uuid.UUID, n: int = 1
) -> list[dict[str, Any]]:
    """The ``n`` outcome events of one approved copy, once the outbox relay has published them."""

    async def published() -> list[dict[str, Any]] | None:
        found = [e for e in await stream_events(nats_client, subject) if e["copy_id"] == str(copy_id)]
        return found if len(found) >= n else None

    found: list[dict[str, Any]] = await eventually(published)
    return found


async def ad_group_of(app: ConnectorsApp, tenant: Tenant, account_id: uuid.UUID) -> str:
    job = await submit(app, tenant, account_id, campaign_and_group())
    done = await finished(app, tenant, job["id"])
    assert done["status"] == "succeeded", done
    return str(done["items"][1]["external_id"])


async def test_approved_copy_is_published_paused_once(
    connectors_app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = connectors_app.tenant("member")
    linked = await link_sandbox(connectors_app, tenant)
    group = await ad_group_of(connectors_app, tenant, linked.account_id)
    approved = approval(tenant, account_id=linked.account_id, ad_group_id=group)
    event_id = uuid.uuid4()
    await publish(nats_client, tenant, approved, event_id)
    await publish(nats_client, tenant, approved, event_id)  # redelivered: still one job

    jobs = await connectors_app.rows(
        "SELECT id, created_by, total FROM write_jobs WHERE account_id = :a ORDER BY queued_at",
        a=linked.account_id,
    )
    assert len(jobs) == 2  # the campaign + ad group job, then the approved ad
    assert jobs[1]["created_by"] == tenant.user_id and jobs[1]["total"] == 1
    job = await finished(connectors_app, tenant, str(jobs[1]["id"]))
    assert job["status"] == "succeeded", job
    [item] = job["items"]
    assert item["operation"]["op"] == "create_ad" and item["operation"]["status"] == "PAUSED"
    ads = [a for a in await linked.sandbox.list_ads(linked.external_id) if a.ad_group_id == group]
    assert [(a.name, a.status.value) for a in ads] == [("Trail shoes RSA", "PAUSED")]
    [published] = await outcomes(nats_client, "connector.v1.copy_published", approved.copy_id)
    assert published == {
        "copy_id": str(approved.copy_id),
        "approval_id": str(event_id),
        "account_id": str(linked.account_id),
        "job_id": job["id"],
        "ad_group_id": group,
        "ad_id": item["external_id"],
    }
    assert ads[0].external_id == item["external_id"]
    failed = await stream_events(nats_client, "connector.v1.copy_publish_failed")
    assert [f for f in failed if f["copy_id"] == str(approved.copy_id)] == []


async def test_a_failed_publishing_job_is_reported_with_the_platforms_reason(
    connectors_app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = connectors_app.tenant("member")
    linked = await link_sandbox(connectors_app, tenant)
    approved = approval(tenant, account_id=linked.account_id, ad_group_id="adgroup-123")
    event_id = uuid.uuid4()
    await publish(nats_client, tenant, approved, event_id)

    [failed] = await outcomes(nats_client, "connector.v1.copy_publish_failed", approved.copy_id)
    job = await finished(connectors_app, tenant, failed["job_id"])
    assert job["status"] == "failed"
    assert (failed["approval_id"], failed["account_id"]) == (str(event_id), str(linked.account_id))
    assert failed["reason"] == (
        f"The platform refused the ad: unknown ad group 'adgroup-123' in account {linked.external_id}"
    )
    published = await stream_events(nats_client, "connector.v1.copy_published")
    assert [p for p in published if p["copy_id"] == str(approved.copy_id)] == []


def test_reasons_are_for_people() -> None:
    assert human_reason(ErrorKind.RATE_LIMITED.value, "quota 123 exceeded").startswith(
        "The platform's request limit was reached"
    )
    assert "linked again" in human_reason(ErrorKind.RECONNECT_REQUIRED.value, "not attempted: token revoked")
    assert human_reason(ErrorKind.POLICY.value, "not attempted:  Trademark\n term") == (
        "The platform's ad policies refused the ad: Trademark term"
    )
    assert len(human_reason(None, "x" * 2000)) == 500


async def test_copy_for_another_platform_or_invalid_copy_is_refused_in_the_audit_log(
    connectors_app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = connectors_app.tenant("member")
    linked = await link_sandbox(connectors_app, tenant)
    meta = approval(
        tenant,
        platform="meta",
        account_id=linked.account_id,
        ad_group_id="1",
        headlines=["Hi"],
        descriptions=["a", "b"],
    )
    too_few = approval(tenant, account_id=linked.account_id, ad_group_id="1", headlines=["Only one"])
    await publish(nats_client, tenant, meta)
    await publish(nats_client, tenant, too_few)
    refused = [e["data"] for e in await audit_count(nats_client, tenant.org_id, 2)]
    assert [(r["action"], r["resource_id"]) for r in refused] == [
        ("ads.copy_publish_refused", str(meta.copy_id)),
        ("ads.copy_publish_refused", str(too_few.copy_id)),
    ]
    assert "cannot be published to a sandbox account" in refused[0]["changes"]["reason"]
    assert "headline" in refused[1]["changes"]["reason"].lower()
    assert refused[0]["actor_user_id"] == str(tenant.user_id)
    assert await connectors_app.scalar("SELECT count(*) FROM write_jobs") == 0
    for copy, reason in ((meta, refused[0]["changes"]["reason"]), (too_few, refused[1]["changes"]["reason"])):
        [failed] = await outcomes(nats_client, "connector.v1.copy_publish_failed", copy.copy_id)
        assert (failed["job_id"], failed["account_id"], failed["reason"]) == (
            None,
            str(linked.account_id),
            reason,
        )
    assert refused[1]["changes"]["reason"] == (
        "The platform's rules refuse this copy: needs 3-15 headlines, got 1."
    )


async def test_copy_without_a_target_or_for_an_unknown_account_writes_nothing(
    connectors_app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = connectors_app.tenant("member")
    await link_sandbox(connectors_app, tenant)
    await publish(nats_client, tenant, approval(tenant))  # approved for later: no account, no ad group
    stranger = approval(tenant, account_id=uuid.uuid4(), ad_group_id="1")
    await publish(nats_client, tenant, stranger)
    [refusal] = [e["data"] for e in await audit_count(nats_client, tenant.org_id, 1)]
    assert refusal["resource_id"] == str(stranger.copy_id)
    assert "No such ad account" in refusal["changes"]["reason"]
    [failed] = await outcomes(nats_client, "connector.v1.copy_publish_failed", stranger.copy_id)
    assert failed["reason"] == "No such ad account in this organisation."
    assert await connectors_app.scalar("SELECT count(*) FROM write_jobs") == 0


async def test_copy_waiting_to_be_published_is_reported_failed_when_its_connection_is_removed(
    start_connectors: Callable[[Settings], Any], connectors_settings: Callable[..., Settings]
) -> None:
    """An api-role process runs no write jobs, so the approved copy's job is still queued at the unlink, which
    cascades it away: ai-copy must hear that publishing failed, or the variant says "Publishing…" for ever."""
    async with start_connectors(connectors_settings(role="api")) as app:
        tenant = app.tenant("member")
        linked = await link_sandbox(app, tenant)
        waiting, published = (
            approval(tenant, account_id=linked.account_id, ad_group_id="41", name=f"Ad {n}") for n in (1, 2)
        )
        on_copy_approved = approved_copy_handler(app.connectors)
        approval_ids = {}
        for approved in (waiting, published):
            event = build_event("copy.v1.approved", approved, source="ai-copy", org_id=tenant.org_id)
            approval_ids[approved.copy_id] = event.id
            async with app.connectors.sessions() as session, session.begin():
                await on_copy_approved(session, event, approved)
        async with app.engine.begin() as conn:  # the other one ended before the unlink: it reported itself
            await conn.execute(
                text("UPDATE write_jobs SET status = 'succeeded' WHERE copy_id = :c"),
                {"c": published.copy_id},
            )
        [job_id] = await app.rows("SELECT id FROM write_jobs WHERE copy_id = :c", c=waiting.copy_id)

        unlinked = await app.client.delete(
            f"/api/connectors/connections/{linked.connection_id}", headers=tenant.headers
        )
        assert unlinked.status_code == 204
        assert await app.scalar("SELECT count(*) FROM write_jobs") == 0
        failed = await staged_events(app.engine, "connector.v1.copy_publish_failed")
        assert [e["data"] for e in failed] == [
            {
                "copy_id": str(waiting.copy_id),
                "approval_id": str(approval_ids[waiting.copy_id]),
                "account_id": str(linked.account_id),
                "job_id": str(job_id["id"]),
                "reason": UNLINKED,
            }
        ]
