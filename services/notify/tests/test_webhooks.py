"""Outgoing webhooks: signed envelopes, retries after 5xx, auto-disable, send-test, SSRF guard, org isolation."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import pytest

from adpilot_common.events.contracts.report import ReportFailed
from adpilot_notify.ssrf import UnsafeTarget, check_target
from adpilot_notify.webhooks.signing import verify

from .conftest import Notify, event


def report_failed(org: uuid.UUID):
    return event(
        "report.v1.failed",
        ReportFailed(report_id=uuid.uuid4(), format="pdf", title="Weekly", error="No data for the period."),
        org,
    )


def assert_signed(secret: str, headers: dict[str, str], body: bytes) -> None:
    timestamp = int(headers["x-adpilot-timestamp"])
    assert verify(secret, timestamp, body, headers["x-adpilot-signature"], now=int(time.time()))
    assert not verify(secret, timestamp, body + b" ", headers["x-adpilot-signature"], now=int(time.time()))


async def create(notify: Notify, org: uuid.UUID, user: uuid.UUID, url: str) -> dict:
    async with notify.client() as client:
        response = await client.post(
            "/api/notify/webhooks",
            json={"url": url, "event_types": ["report.v1.failed"], "description": "CI"},
            headers=notify.headers(org, user),
        )
    assert response.status_code == 201, response.text
    return response.json()


async def test_signed_delivery_retried_after_500(notify: Notify, fake_http) -> None:
    receiver = await fake_http()
    org, admin = uuid.uuid4(), uuid.uuid4()
    hook = await create(notify, org, admin, f"{receiver.url}/hooks/adpilot")
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    async with notify.client() as client:
        listed = (await client.get("/api/notify/webhooks", headers=notify.headers(org, admin))).json()
        assert "secret" not in listed["items"][0]  # shown once, at creation only
        member = await client.get("/api/notify/webhooks", headers=notify.headers(org, admin, role="member"))
        assert member.status_code == 403

    receiver.script = [(500, {})]
    envelope = report_failed(org)
    await notify.publish(envelope)
    [delivery] = await notify.settled(channel="webhook")
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 2
    assert len(receiver.requests) == 2
    for path, headers, body in receiver.requests:
        assert path == "/hooks/adpilot"
        assert_signed(secret, headers, body)
        assert headers["x-adpilot-event"] == "report.v1.failed"
        assert headers["x-adpilot-delivery"] == str(delivery["id"])  # stable across retries: receivers dedupe
        sent = json.loads(body)
        assert sent["id"] == str(envelope.id) and sent["type"] == "report.v1.failed"
        assert sent["data"]["title"] == "Weekly" and sent["org_id"] == str(org)

    async with notify.client() as client:
        detail = await client.get(
            f"/api/notify/deliveries/{delivery['id']}", headers=notify.headers(org, admin)
        )
        assert [a["outcome"] for a in detail.json()["attempt_log"]] == ["retry", "sent"]
        by_endpoint = await client.get(
            "/api/notify/deliveries", params={"endpoint_id": hook["id"]}, headers=notify.headers(org, admin)
        )
        assert by_endpoint.json()["total"] == 1
        # Another org sees none of it.
        other = notify.headers(uuid.uuid4(), uuid.uuid4())
        assert (
            await client.get(f"/api/notify/deliveries/{delivery['id']}", headers=other)
        ).status_code == 404
        assert (await client.get(f"/api/notify/webhooks/{hook['id']}", headers=other)).status_code == 404
        assert (
            await client.post(f"/api/notify/webhooks/{hook['id']}/test", headers=other)
        ).status_code == 404
        assert (await client.get("/api/notify/deliveries", headers=other)).json()["total"] == 0


async def test_repeated_failures_disable_the_endpoint(notify: Notify, fake_http) -> None:
    receiver = await fake_http()
    receiver.always = 500
    org, admin = uuid.uuid4(), uuid.uuid4()
    hook = await create(notify, org, admin, f"{receiver.url}/down")
    for _ in range(2):  # disable_after_failures=2, each delivery given up after 3 attempts
        await notify.publish(report_failed(org))
        await notify.settled(channel="webhook")
    failed = await notify.deliveries(channel="webhook")
    assert [d["status"] for d in failed] == ["failed", "failed"]
    assert all(d["attempts"] == 3 and "gave up after 3 attempts" in d["error"] for d in failed)
    async with notify.client() as client:
        state = (
            await client.get(f"/api/notify/webhooks/{hook['id']}", headers=notify.headers(org, admin))
        ).json()
    assert state["enabled"] is False and state["consecutive_failures"] == 2
    assert "consecutive failed deliveries" in state["disabled_reason"]

    await notify.publish(report_failed(org))  # a disabled endpoint gets nothing new
    assert len(await notify.deliveries(channel="webhook")) == 2

    # Re-enabled and fixed: a test event goes through and resets the count.
    receiver.always = None
    async with notify.client() as client:
        patched = await client.patch(
            f"/api/notify/webhooks/{hook['id']}", json={"enabled": True}, headers=notify.headers(org, admin)
        )
        assert patched.json()["enabled"] is True and patched.json()["consecutive_failures"] == 0
        test = await client.post(
            f"/api/notify/webhooks/{hook['id']}/test", headers=notify.headers(org, admin)
        )
        assert test.status_code == 202
    [sent] = await notify.settled(id=uuid.UUID(test.json()["delivery_id"]))
    assert sent["status"] == "succeeded"
    _, headers, body = receiver.requests[-1]
    assert headers["x-adpilot-event"] == "notify.v1.webhook_test"
    assert json.loads(body)["type"] == "notify.v1.webhook_test"
    assert_signed(hook["secret"], headers, body)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://localhost/hook",
        "https://user:pw@example.com/hook",
        "not a url",
    ],
)
async def test_ssrf_guard_refuses_private_targets_in_production(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        await check_target(url, allow_private=False)


async def test_ssrf_guard_checks_every_resolved_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name is refused if any of its addresses is private (no real DNS: the resolver is replaced)."""
    answers = {
        "mixed.example.com": ["93.184.215.14", "10.0.0.7"],
        "public.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    }

    async def getaddrinfo(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    with pytest.raises(UnsafeTarget):
        await check_target("https://mixed.example.com/hook", allow_private=False)
    await check_target("https://public.example.com/hook", allow_private=False)


async def test_production_api_rejects_private_webhook_urls(start_notify, fake_http) -> None:
    receiver = await fake_http()
    notify: Notify = await start_notify(
        environment="production",
        fernet_keys="bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
        code_hmac_key="a-production-code-key",
    )
    org, admin = uuid.uuid4(), uuid.uuid4()
    async with notify.client() as client:
        for url in (f"{receiver.url}/hook", "https://127.0.0.1:8443/hook", "https://10.0.0.5/hook"):
            response = await client.post(
                "/api/notify/webhooks",
                json={"url": url, "event_types": ["report.v1.failed"]},
                headers=notify.headers(org, admin),
            )
            assert response.status_code == 422, url
            assert response.headers["content-type"] == "application/problem+json"
        unknown_type = await client.post(
            "/api/notify/webhooks",
            json={"url": "https://93.184.215.14/hook", "event_types": ["user.v1.invited"]},
            headers=notify.headers(org, admin),
        )
        assert unknown_type.status_code == 422  # auth events (they carry tokens) are never sent to webhooks
