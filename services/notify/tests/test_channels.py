"""WhatsApp Cloud API and signal-cli REST against loopback fakes: request shape, retry on 429/5xx (honouring
Retry-After), permanent failure recorded and visible; destination verification by WhatsApp code."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

from adpilot_common.events.contracts.budget import AlertTriggered, BudgetThresholdCrossed
from adpilot_common.events.contracts.connector import SyncFailed
from adpilot_common.testing.waiting import eventually

from .conftest import Notify, event


def budget_event(org: uuid.UUID, pct: int = 100):
    return event(
        "budget.v1.threshold_crossed",
        BudgetThresholdCrossed(
            budget_id=uuid.uuid4(), rule_id=uuid.uuid4(), account_id=uuid.uuid4(), period="monthly",
            period_key="2026-11", threshold_pct=Decimal(pct), spend_micros=101_000_000,
            budget_micros=100_000_000, currency="EUR", expected_spend_micros=70_000_000,
        ),
        org,
    )  # fmt: skip


async def test_whatsapp_verification_then_retry_after_429(start_notify, fake_http) -> None:
    wa = await fake_http()
    notify: Notify = await start_notify(
        whatsapp={"access_token": "wa-token", "phone_number_id": "10555", "base_url": wa.url}
    )
    org, user = uuid.uuid4(), uuid.uuid4()
    headers = notify.headers(org, user, role="member")
    async with notify.client() as client:
        bad = await client.post(
            "/api/notify/destinations",
            json={"channel": "whatsapp", "address": "0151 1234567"},
            headers=headers,
        )
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        created = await client.post(
            "/api/notify/destinations",
            json={"channel": "whatsapp", "address": "+49 151 12345678"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        destination = created.json()
        assert destination["address"] == "+4915112345678" and destination["verified"] is False

        async def code_sent() -> bool:
            return len(wa.requests) == 1

        await eventually(code_sent)
        path, sent_headers, body = wa.requests[0]
        assert path == "/v21.0/10555/messages"
        assert sent_headers["authorization"] == "Bearer wa-token"
        payload = json.loads(body)
        assert payload["messaging_product"] == "whatsapp" and payload["to"] == "4915112345678"
        assert payload["type"] == "template" and payload["template"]["name"] == "adpilot_destination_code"
        [param] = payload["template"]["components"][0]["parameters"]
        code = re.search(r"\b(\d{6})\b", param["text"]).group(1)  # type: ignore[union-attr]

        response = await client.put(
            "/api/notify/preferences",
            json={"subscriptions": [{"event_type": "budget.v1.threshold_crossed", "channel": "whatsapp"}]},
            headers=headers,
        )
        assert response.status_code == 200
        # Not verified yet: an event reaches nobody.
        await notify.publish(budget_event(org))
        assert await notify.deliveries(event_type="budget.v1.threshold_crossed") == []

        verified = await client.post(
            f"/api/notify/destinations/{destination['id']}/verify", json={"code": code}, headers=headers
        )
        assert verified.status_code == 200 and verified.json()["verified"] is True

    wa.script = [(429, {"Retry-After": "0"})]
    await notify.publish(budget_event(org))
    [delivery] = await notify.settled(event_type="budget.v1.threshold_crossed")
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 2
    assert len(wa.requests) == 3  # code, 429, success
    template = json.loads(wa.requests[2][2])["template"]
    assert template["name"] == "adpilot_budget_threshold"
    assert "100% of the monthly budget" in template["components"][0]["parameters"][0]["text"]


async def test_whatsapp_permanent_failure_is_recorded(start_notify, fake_http) -> None:
    wa = await fake_http()
    notify: Notify = await start_notify(
        whatsapp={"access_token": "wa-token", "phone_number_id": "10555", "base_url": wa.url}
    )
    org, user = uuid.uuid4(), uuid.uuid4()
    await notify.subscribe(org, user, "whatsapp", "+4915112345678", ["budget.v1.threshold_crossed"])
    wa.script = [(400, {})]
    await notify.publish(budget_event(org))
    [delivery] = await notify.settled(event_type="budget.v1.threshold_crossed")
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    assert delivery["last_status_code"] == 400 and "HTTP 400" in delivery["error"]
    async with notify.client() as client:
        log = await client.get(
            "/api/notify/deliveries", params={"status": "failed"}, headers=notify.headers(org, user)
        )
    [item] = log.json()["items"]
    assert item["id"] == str(delivery["id"]) and item["last_error"] == "WhatsApp answered HTTP 400"


async def test_signal_retries_server_errors_then_sends(start_notify, fake_http) -> None:
    signal = await fake_http()
    notify: Notify = await start_notify(signal={"base_url": signal.url, "number": "+4930123456"})
    org, user = uuid.uuid4(), uuid.uuid4()
    await notify.subscribe(org, user, "signal", "+4915199999999", ["connector.v1.sync_failed"])
    signal.script = [(500, {}), (503, {})]
    failed = SyncFailed(
        run_id=uuid.uuid4(), account_id=uuid.uuid4(), platform="meta", external_account_id="act_42",
        trigger="schedule", error_kind="reconnect_required", error="The token was revoked.",
    )  # fmt: skip
    await notify.publish(event("connector.v1.sync_failed", failed, org))
    [delivery] = await notify.settled(event_type="connector.v1.sync_failed")
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 3
    assert [r[0] for r in signal.requests] == ["/v2/send"] * 3
    payload = json.loads(signal.requests[-1][2])
    assert payload["number"] == "+4930123456" and payload["recipients"] == ["+4915199999999"]
    assert "act_42" in payload["message"]
    attempts = await notify.rows(
        "SELECT outcome, status_code FROM delivery_attempts WHERE delivery_id = :id ORDER BY attempted_at",
        id=delivery["id"],
    )
    assert attempts == [
        {"outcome": "retry", "status_code": 500},
        {"outcome": "retry", "status_code": 503},
        {"outcome": "sent", "status_code": 200},
    ]


async def test_unconfigured_channel_fails_with_a_clear_reason(notify: Notify) -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    await notify.subscribe(org, user, "signal", "+4915199999999", ["alert.v1.triggered"])
    alert = AlertTriggered(
        rule_id=uuid.uuid4(), kind="cpa_above", account_id=uuid.uuid4(), period_key="2026-11-25",
        observed=Decimal(12_000_000), threshold=Decimal(10_000_000), message="CPA is above 10.00 EUR",
    )  # fmt: skip
    await notify.publish(event("alert.v1.triggered", alert, org))
    [delivery] = await notify.settled(event_type="alert.v1.triggered")
    assert delivery["status"] == "failed"
    assert delivery["error"].startswith("channel signal is not configured")
    async with notify.client() as client:
        refused = await client.post(
            "/api/notify/destinations",
            json={"channel": "whatsapp", "address": "+4915112345678"},
            headers=notify.headers(org, user),
        )
    assert refused.status_code == 422 and refused.json()["title"] == "Channel not available"
