"""Creating things twice and malformed input: answered with problem+json, never a 500."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from .conftest import Notify


async def test_adding_a_destination_twice_is_a_409_also_when_concurrent(notify: Notify) -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    headers = notify.headers(org, user, role="viewer")
    body = {"channel": "email", "address": "bob-dup@example.com"}
    async with notify.client() as client:
        answers = await asyncio.gather(
            *(client.post("/api/notify/destinations", json=body, headers=headers) for _ in range(10))
        )
        assert sorted(r.status_code for r in answers) == [201] + [409] * 9, [r.text for r in answers]
        [created] = [r.json() for r in answers if r.status_code == 201]
        for refused in (r for r in answers if r.status_code == 409):
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["title"] == "Destination already exists"
            assert refused.json()["destination_id"] == created["id"]
        # Later, typed differently: the same answer (a new code is what .../resend is for).
        again = await client.post(
            "/api/notify/destinations",
            json={"channel": "email", "address": "Bob-Dup@Example.com"},
            headers=headers,
        )
        assert again.status_code == 409 and again.json()["destination_id"] == created["id"]
    assert len(await notify.rows("SELECT id FROM destinations WHERE user_id = :u", u=user)) == 1
    assert len(await notify.deliveries(event_type="notify.destination_code")) == 1  # one code sent


@pytest.mark.parametrize(
    "url",
    [
        "https://ex ample.com/hook",
        "https://example.com/a hook",
        "https://exa\tmple.com/hook",
        "https://example.com/hook\n",
        "https://-example.com/hook",
        "https://a..example.com/hook",
        "https://ex_ample.com/hook",
        "https://127.1/hook",  # read as an IPv4 address by resolvers
        "https://example.com:0/hook",
        "ftp://example.com/hook",
    ],
)
async def test_malformed_webhook_urls_are_a_422(notify: Notify, url: str) -> None:
    """Development allows http and private hosts, not malformed URLs (the SSRF rules are test_webhooks')."""
    org, admin = uuid.uuid4(), uuid.uuid4()
    body = {"url": url, "event_types": ["report.v1.failed"]}
    async with notify.client() as client:
        created = await client.post("/api/notify/webhooks", json=body, headers=notify.headers(org, admin))
        assert created.status_code == 422, created.text
        assert created.json()["title"] == "Invalid webhook URL"
        ok = await client.post(
            "/api/notify/webhooks",
            json={**body, "url": "https://hooks.zürich.example/adpilot?x=1"},
            headers=notify.headers(org, admin),
        )
        assert ok.status_code == 201, ok.text
        patched = await client.patch(
            f"/api/notify/webhooks/{ok.json()['id']}", json={"url": url}, headers=notify.headers(org, admin)
        )
        assert patched.status_code == 422, patched.text


async def test_channels_say_which_are_configured(start_notify) -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    bare: Notify = await start_notify()
    async with bare.client() as client:
        listed = await client.get("/api/notify/channels", headers=bare.headers(org, user, role="viewer"))
        assert (await client.get("/api/notify/channels")).status_code == 401
    assert listed.status_code == 200
    assert listed.json()["items"] == [
        {"channel": "email", "available": True, "missing_settings": []},
        {"channel": "whatsapp", "available": False,
         "missing_settings": ["NOTIFY_WHATSAPP__ACCESS_TOKEN", "NOTIFY_WHATSAPP__PHONE_NUMBER_ID"]},
        {"channel": "signal", "available": False,
         "missing_settings": ["NOTIFY_SIGNAL__BASE_URL", "NOTIFY_SIGNAL__NUMBER"]},
    ]  # fmt: skip
    signal: Notify = await start_notify(signal={"base_url": "http://127.0.0.1:9", "number": "+4915100000000"})
    async with signal.client() as client:
        listed = await client.get("/api/notify/channels", headers=signal.headers(org, user, role="viewer"))
    assert [c["channel"] for c in listed.json()["items"] if c["available"]] == ["email", "signal"]
