"""Where notifications go is written to the org's audit log: destinations, webhooks and preferences each stage
one ``audit.v1.requested`` with the write (as the caller, naming what changed, never a secret or a code); a
refused write stages none."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from adpilot_common.testing.audit import actions, staged_audit
from adpilot_common.testing.waiting import eventually

from .conftest import Notify, parts

ORG, USER = uuid.uuid4(), uuid.uuid4()


def check_entry(entry: dict[str, Any], action: str, resource_type: str, resource_id: str) -> dict[str, Any]:
    assert entry["org_id"] == str(ORG) and entry["source"] == "notify"
    data = entry["data"]
    assert (data["action"], data["actor_user_id"]) == (action, str(USER))
    assert (data["resource_type"], data["resource_id"]) == (resource_type, resource_id)
    changes: dict[str, Any] = data["changes"]
    return changes


async def test_destination_and_preference_writes_are_audited(notify: Notify, smtp: Any) -> None:
    handler, _ = smtp
    headers = notify.headers(ORG, USER, role="viewer")
    async with notify.client() as client:
        bad = await client.post(
            "/api/notify/destinations",
            json={"channel": "email", "address": "not an address"},
            headers=headers,
        )
        assert bad.status_code == 422
        created = await client.post(
            "/api/notify/destinations",
            json={"channel": "email", "address": "ana@example.com"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        destination = created.json()

        async def code_mail() -> bool:
            return len(handler.to("ana@example.com")) == 1

        await eventually(code_mail)
        code = re.search(r"\b(\d{6})\b", parts(handler.to("ana@example.com")[0])[0]).group(1)  # type: ignore[union-attr]
        verify = f"/api/notify/destinations/{destination['id']}/verify"
        wrong = await client.post(
            verify, json={"code": "000000" if code != "000000" else "111111"}, headers=headers
        )
        assert wrong.status_code == 422
        assert (await client.post(verify, json={"code": code}, headers=headers)).status_code == 200

        prefs = {"subscriptions": [{"event_type": "budget.v1.threshold_crossed", "channel": "email"}]}
        for _ in range(2):  # the second PUT changes nothing: no entry
            response = await client.put("/api/notify/preferences", json=prefs, headers=headers)
            assert response.status_code == 200, response.text
        bad_zone = await client.put(
            "/api/notify/preferences", json={**prefs, "time_zone": "Mars/Base"}, headers=headers
        )
        assert bad_zone.status_code == 422
        removed = await client.delete(f"/api/notify/destinations/{destination['id']}", headers=headers)
        assert removed.status_code == 204

    entries = await staged_audit(notify.engine)
    assert actions(entries) == [
        "destination.added",
        "destination.verified",
        "notification_preferences.updated",
        "destination.removed",
    ]
    added, verified, preferences, deleted = entries
    described = {"channel": "email", "address": "ana@example.com"}
    assert check_entry(added, "destination.added", "destination", destination["id"]) == described
    assert check_entry(verified, "destination.verified", "destination", destination["id"]) == described
    assert check_entry(deleted, "destination.removed", "destination", destination["id"]) == described
    assert check_entry(
        preferences, "notification_preferences.updated", "notification_preferences", str(USER)
    ) == {
        "subscriptions": {
            "old": [],
            "new": [{"event_type": "budget.v1.threshold_crossed", "channel": "email"}],
        }
    }
    assert code not in json.dumps(entries)


async def test_webhook_writes_are_audited_without_secrets(notify: Notify, fake_http: Any) -> None:
    receiver = await fake_http()
    url = f"{receiver.url}/services/T0/B0/s3cr3t-path-token?key=s3cr3t-query"
    headers = notify.headers(ORG, USER, role="admin")
    async with notify.client() as client:
        refused = await client.post(
            "/api/notify/webhooks",
            json={"url": "ftp://example.com/hook", "event_types": ["report.v1.ready"]},
            headers=headers,
        )
        assert refused.status_code == 422
        created = await client.post(
            "/api/notify/webhooks",
            json={"url": url, "event_types": ["report.v1.ready"], "description": "BI"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        webhook = created.json()
        path = f"/api/notify/webhooks/{webhook['id']}"
        bad_url = await client.patch(path, json={"url": "ftp://example.com/hook"}, headers=headers)
        assert bad_url.status_code == 422
        patched = await client.patch(path, json={"url": f"{url}-rotated", "enabled": False}, headers=headers)
        assert patched.status_code == 200, patched.text
        assert (
            await client.patch(path, json={"enabled": False}, headers=headers)
        ).status_code == 200  # no-op
        assert (await client.delete(path, headers=headers)).status_code == 204

    entries = await staged_audit(notify.engine)
    assert actions(entries) == ["webhook.created", "webhook.updated", "webhook.deleted"]
    created_entry, updated, deleted = entries
    described = {
        "host": "127.0.0.1",
        "description": "BI",
        "event_types": ["report.v1.ready"],
        "enabled": True,
    }
    assert check_entry(created_entry, "webhook.created", "webhook", webhook["id"]) == described
    assert check_entry(updated, "webhook.updated", "webhook", webhook["id"]) == {
        "host": {"old": "127.0.0.1", "new": "127.0.0.1"},
        "enabled": {"old": True, "new": False},
    }
    assert check_entry(deleted, "webhook.deleted", "webhook", webhook["id"]) == {
        **described,
        "enabled": False,
    }
    dumped = json.dumps(entries)
    assert webhook["secret"] not in dumped and "s3cr3t" not in dumped
