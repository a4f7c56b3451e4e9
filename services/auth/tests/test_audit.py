"""Audit log: query API for org admins, entries from other services, retention purge."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from adpilot_auth.housekeeping import run_once
from adpilot_common.events.contracts.audit import AuditRequested
from adpilot_common.messaging.outbox import build_event

from .conftest import AuthApp, signed_in


async def org_of(app: AuthApp, headers: dict[str, str]) -> str:
    return (await app.client.get("/api/auth/orgs", headers=headers)).json()[0]["id"]


async def test_admins_page_through_their_orgs_audit_log(auth_app: AuthApp):
    owner = await signed_in(auth_app, "owner@example.com")
    org = await org_of(auth_app, owner)
    for n in range(5):
        await auth_app.client.post(
            f"/api/auth/orgs/{org}/invitations", json={"email": f"p{n}@example.com"}, headers=owner
        )
    first = await auth_app.client.get(
        f"/api/auth/orgs/{org}/audit", params={"limit": 3, "action": "invitation."}, headers=owner
    )
    assert first.status_code == 200
    page = first.json()
    assert [i["action"] for i in page["items"]] == ["invitation.created"] * 3
    assert page["items"][0]["ip"] == "203.0.113.7"
    rest = await auth_app.client.get(
        f"/api/auth/orgs/{org}/audit",
        params={"limit": 3, "action": "invitation.", "cursor": page["next_cursor"]},
        headers=owner,
    )
    assert len(rest.json()["items"]) == 2 and rest.json()["next_cursor"] is None
    ids = [i["id"] for i in page["items"] + rest.json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5

    outsider = await signed_in(auth_app, "outsider@example.com")
    assert (await auth_app.client.get(f"/api/auth/orgs/{org}/audit", headers=outsider)).status_code == 404
    bad = await auth_app.client.get(
        f"/api/auth/orgs/{org}/audit",
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=owner,
    )
    assert bad.status_code == 422


async def test_other_services_append_through_audit_events_once(auth_app: AuthApp, nats_client):
    org_id = uuid.uuid4()
    event = build_event(
        "audit.v1.requested",
        AuditRequested(
            action="campaign.paused",
            resource_type="campaign",
            resource_id="c-1",
            changes={"status": {"old": "ENABLED", "new": "PAUSED"}},
        ),
        source="connectors",
        org_id=org_id,
    ).model_copy(update={"occurred_at": datetime(2026, 3, 4, 9, 56, 42, 123000, tzinfo=UTC)})
    js = nats_client.jetstream()
    await js.publish("audit.v1.requested", event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})
    await js.publish("audit.v1.requested", event.to_bytes(), headers={"Nats-Msg-Id": "redelivered-copy"})
    for _ in range(600):  # up to 30 s on a loaded machine
        count = await auth_app.scalar("SELECT count(*) FROM audit_log WHERE action = 'campaign.paused'")
        info = await js.consumer_info("AUTH", "auth--audit-v1-requested")
        if count and info.ack_floor.stream_seq >= 2:
            break
        await asyncio.sleep(0.05)
    assert await auth_app.scalar("SELECT count(*) FROM audit_log WHERE action = 'campaign.paused'") == 1
    assert (
        await auth_app.scalar("SELECT source FROM audit_log WHERE action = 'campaign.paused'") == "connectors"
    )
    assert str(await auth_app.scalar("SELECT org_id FROM audit_log WHERE action = 'campaign.paused'")) == str(
        org_id
    )
    # Stamped with when connectors paused it, not when the consumer inserted the row.
    stamped = await auth_app.scalar("SELECT occurred_at FROM audit_log WHERE action = 'campaign.paused'")
    assert stamped == event.occurred_at


async def test_retention_purges_only_old_rows(auth_app: AuthApp):
    await signed_in(auth_app, "ada@example.com")
    async with auth_app.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO audit_log (occurred_at, action) VALUES (now() - interval '100 days', 'old')")
        )
    counts = await run_once(async_sessionmaker(auth_app.engine), audit_retention_days=90)
    assert counts["audit_rows"] == 1
    assert await auth_app.scalar("SELECT count(*) FROM audit_log WHERE action = 'old'") == 0
    assert await auth_app.scalar("SELECT count(*) FROM audit_log") >= 1


async def test_admins_see_failed_sign_ins_on_their_members_but_not_on_unknown_addresses(auth_app: AuthApp):
    owner = await signed_in(auth_app, "owner@example.com")
    org = await org_of(auth_app, owner)
    wrong = await auth_app.login("owner@example.com", "not the password")
    unknown = await auth_app.login("nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401

    page = (
        await auth_app.client.get(f"/api/auth/orgs/{org}/audit", params={"action": "login."}, headers=owner)
    ).json()
    assert [(i["action"], (i["changes"] or {}).get("reason")) for i in page["items"]] == [
        ("login.failed", "wrong_password"),
        ("login.succeeded", None),
    ]
    orgless = await auth_app.scalar(
        "SELECT string_agg(changes->>'reason', ',') FROM audit_log WHERE action = 'login.failed' AND org_id IS NULL"
    )
    assert orgless == "unknown_user"
