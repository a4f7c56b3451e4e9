"""Destinations (verification codes), quiet hours, digests, recipients of org events, the delivery log."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from adpilot_common.events.contracts.budget import AlertTriggered, BudgetThresholdCrossed
from adpilot_common.events.contracts.connector import ConnectionHealthChanged
from adpilot_common.events.contracts.report import ReportReady
from adpilot_common.testing.waiting import eventually
from adpilot_notify.preferences.timing import digest_window, quiet_until

from .conftest import BASE_URL, Notify, event, parts


def alert(org: uuid.UUID, message: str):
    data = AlertTriggered(
        rule_id=uuid.uuid4(), kind="ctr_drop_pct", account_id=uuid.uuid4(), period_key="2026-11-25",
        observed=Decimal(40), threshold=Decimal(30), message=message,
    )  # fmt: skip
    return event("alert.v1.triggered", data, org)


def health(org: uuid.UUID, created_by: uuid.UUID | None = None):
    data = ConnectionHealthChanged(
        connection_id=uuid.uuid4(), platform="google", health="expires_soon",
        expires_at=datetime.now(UTC) + timedelta(days=5), created_by=created_by,
    )  # fmt: skip
    return event("connector.v1.health_changed", data, org)


def test_quiet_hours_and_digest_windows() -> None:
    berlin = "Europe/Berlin"
    night = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    assert quiet_until(night, berlin, time(22), time(7)) == datetime(2026, 11, 26, 7, tzinfo=ZoneInfo(berlin))
    early = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    assert quiet_until(early, berlin, time(22), time(7)) == datetime(2026, 11, 26, 7, tzinfo=ZoneInfo(berlin))
    assert quiet_until(datetime(2026, 11, 26, 12, tzinfo=UTC), berlin, time(22), time(7)) is None
    assert quiet_until(night, berlin, time(12), time(14)) is None
    assert quiet_until(night, berlin, None, None) is None
    start, end = digest_window(datetime(2026, 11, 25, 10, 42, tzinfo=UTC), "UTC", "hourly")
    assert (start.hour, end.hour) == (10, 11)
    start, end = digest_window(datetime(2026, 11, 25, 6, 0, tzinfo=UTC), berlin, "daily")  # 07:00 local
    assert start.date() == date(2026, 11, 24) and end == datetime(2026, 11, 25, 8, tzinfo=ZoneInfo(berlin))


async def test_email_destination_verification(start_notify, smtp, capfd) -> None:
    notify: Notify = await start_notify()
    handler, _ = smtp
    org, user = uuid.uuid4(), uuid.uuid4()
    headers = notify.headers(org, user, role="viewer")
    async with notify.client() as client:
        invalid = await client.post(
            "/api/notify/destinations", json={"channel": "email", "address": "not-an-email"}, headers=headers
        )
        assert invalid.status_code == 422
        created = await client.post(
            "/api/notify/destinations",
            json={"channel": "email", "address": "Dana@Example.com"},
            headers=headers,
        )
        assert created.status_code == 201
        destination = created.json()

        async def code_mail() -> bool:
            return len(handler.messages) == 1

        await eventually(code_mail)
        [mail] = handler.messages
        assert mail["Subject"] == "Your AdPilot confirmation code"
        code = re.search(r"\b(\d{6})\b", parts(mail)[0]).group(1)  # type: ignore[union-attr]
        stored = await notify.rows("SELECT code_hash FROM destinations WHERE id = :id", id=destination["id"])
        assert code.encode() not in stored[0]["code_hash"]  # only a keyed hash is kept

        url = f"/api/notify/destinations/{destination['id']}/verify"
        other_org = notify.headers(uuid.uuid4(), user)
        assert (await client.post(url, json={"code": code}, headers=other_org)).status_code == 404
        wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
        wrong = await client.post(url, json={"code": wrong_code}, headers=headers)
        assert wrong.status_code == 422 and wrong.json()["attempts_left"] == 4
        ok = await client.post(url, json={"code": code}, headers=headers)
        assert ok.status_code == 200 and ok.json()["verified"] is True
        listed = await client.get("/api/notify/destinations", headers=headers)
        assert [d["verified"] for d in listed.json()["items"]] == [True]

        # Attempts are limited: after five wrong codes even the right one is refused until a resend.
        second = (
            await client.post(
                "/api/notify/destinations",
                json={"channel": "email", "address": "eve@example.com"},
                headers=headers,
            )
        ).json()
        url = f"/api/notify/destinations/{second['id']}/verify"
        for _ in range(5):
            assert (await client.post(url, json={"code": "000000x"}, headers=headers)).status_code == 422
        assert (await client.post(url, json={"code": "123456"}, headers=headers)).status_code == 429
        assert (
            await client.post(f"/api/notify/destinations/{second['id']}/resend", headers=headers)
        ).status_code == 202
    # Resending is rate-limited per destination (the suite's settings turn the interval off).
    limited = await start_notify(code_resend_interval_s=60)
    async with limited.client() as client:
        resend = await client.post(
            f"/api/notify/destinations/{second['id']}/resend",
            headers=limited.headers(org, user, role="viewer"),
        )
        assert resend.status_code == 429 and int(resend.headers["Retry-After"]) > 0
    out, err = capfd.readouterr()
    assert not re.search(rf"\b{code}\b", out + err)  # codes are never logged


async def test_quiet_hours_defer_non_urgent_messages(notify: Notify, smtp) -> None:
    handler, _ = smtp
    org, user = uuid.uuid4(), uuid.uuid4()
    zone = "Asia/Tokyo"
    local_now = datetime.now(ZoneInfo(zone))
    start = (local_now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local_now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    await notify.subscribe(
        org, user, "email", "quiet@example.com",
        ["connector.v1.health_changed", "budget.v1.threshold_crossed"],
        time_zone=zone, quiet_hours={"start": start.isoformat(), "end": end.isoformat()},
    )  # fmt: skip
    await notify.publish(health(org))
    [deferred] = await notify.deliveries(event_type="connector.v1.health_changed")
    expected = quiet_until(datetime.now(UTC), zone, start, end)
    assert expected is not None and deferred["available_at"] == expected
    assert deferred["status"] == "queued" and deferred["attempts"] == 0

    # An urgent one (100% of the budget) goes out right away, quiet hours or not.
    crossed = BudgetThresholdCrossed(
        budget_id=uuid.uuid4(), rule_id=uuid.uuid4(), account_id=uuid.uuid4(), period="daily",
        period_key="2026-11-25", threshold_pct=Decimal(100), spend_micros=50_000_000, budget_micros=50_000_000,
        currency="USD", expected_spend_micros=40_000_000,
    )  # fmt: skip
    await notify.publish(event("budget.v1.threshold_crossed", crossed, org))
    await notify.settled(event_type="budget.v1.threshold_crossed")
    assert [m["Subject"] for m in handler.to("quiet@example.com")] == [
        "Budget alert: 100% of the daily budget spent"
    ]

    # The quiet hours end (moved forward instead of waiting): the deferred message goes out.
    await notify.execute("UPDATE deliveries SET available_at = now() WHERE id = :id", id=deferred["id"])
    await notify.settled(event_type="connector.v1.health_changed")
    assert handler.to("quiet@example.com")[-1]["Subject"] == "Your google connection expires soon"


async def test_digest_batches_low_priority_alerts(notify: Notify, smtp) -> None:
    handler, _ = smtp
    org, user, bystander = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await notify.subscribe(org, user, "email", "digest@example.com", ["alert.v1.triggered"], digest="hourly")
    await notify.subscribe(org, bystander, "email", "now@example.com", ["alert.v1.triggered"])
    await notify.publish(alert(org, "CTR dropped 40% on Brand"))
    await notify.publish(alert(org, "CTR dropped 35% on Generic"))

    rows = await notify.deliveries(destination="digest@example.com")
    [digest] = [r for r in rows if r["template"] == "digest"]
    members = [r for r in rows if r["digest_id"] == digest["id"]]
    assert len(members) == 2 and {m["status"] for m in members} == {"batched"}
    assert digest["status"] == "queued" and digest["available_at"] > datetime.now(UTC)
    await notify.settled(destination="now@example.com")
    assert len(handler.to("now@example.com")) == 2  # no digest for this user: one email each
    assert handler.to("digest@example.com") == []

    await notify.execute("UPDATE deliveries SET available_at = now() WHERE id = :id", id=digest["id"])
    await notify.settled(destination="digest@example.com")
    [mail] = handler.to("digest@example.com")
    assert mail["Subject"] == "AdPilot digest: 2 notifications"
    body_text, body_html = parts(mail)
    assert "CTR dropped 40% on Brand" in body_text and "CTR dropped 35% on Generic" in body_text
    assert "CTR dropped 40% on Brand" in body_html


async def test_report_recipients_and_delivery_log_retry(notify: Notify, smtp) -> None:
    handler, _ = smtp
    org, requester, admin = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await notify.subscribe(org, requester, "email", "req@example.com", ["report.v1.ready"])
    await notify.subscribe(org, uuid.uuid4(), "email", "not-me@example.com", ["report.v1.ready"])
    handler.reject.add("sched@example.com")  # SMTP 550: a permanent failure
    report_id = uuid.uuid4()
    ready = ReportReady(
        report_id=report_id, format="pdf", title="November", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30),
        file_name="november.pdf", size_bytes=1234, download_path=f"/api/metrics/reports/{report_id}/download",
        requested_by=requester, recipients=["sched@example.com", "REQ@example.com"],
    )  # fmt: skip
    await notify.publish(event("report.v1.ready", ready, org))
    rows = await notify.settled(event_type="report.v1.ready")
    by_address = {r["destination"]: r for r in rows}
    assert set(by_address) == {
        "sched@example.com",
        "req@example.com",
    }  # not the other subscriber; no duplicate
    assert by_address["req@example.com"]["status"] == "succeeded"
    failed = by_address["sched@example.com"]
    assert failed["status"] == "failed" and failed["last_status_code"] == 550
    [mail] = handler.to("req@example.com")
    assert f"{BASE_URL}/reports" in parts(mail)[0]  # the Reports page: the download needs a signed-in user

    headers = notify.headers(org, admin)
    async with notify.client() as client:
        log = await client.get(
            "/api/notify/deliveries",
            params={"status": "failed", "channel": "email", "event_type": "report.v1.ready"},
            headers=headers,
        )
        [item] = log.json()["items"]
        assert item["id"] == str(failed["id"]) and "550" in item["last_error"] and item["attempts"] == 1
        since = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        later = await client.get("/api/notify/deliveries", params={"since": since}, headers=headers)
        assert later.json()["total"] == 0
        not_failed = await client.post(
            f"/api/notify/deliveries/{by_address['req@example.com']['id']}/retry", headers=headers
        )
        assert not_failed.status_code == 409
        foreign = await client.post(
            f"/api/notify/deliveries/{failed['id']}/retry", headers=notify.headers(uuid.uuid4(), admin)
        )
        assert foreign.status_code == 404

        # A member sees only deliveries addressed to them; the requester's own is there, the schedule's is not.
        own = await client.get(
            "/api/notify/deliveries", headers=notify.headers(org, requester, role="member")
        )
        assert [d["destination"] for d in own.json()["items"]] == ["req@example.com"]
        hidden = await client.get(
            f"/api/notify/deliveries/{failed['id']}", headers=notify.headers(org, requester, role="member")
        )
        assert hidden.status_code == 404

        handler.reject.clear()
        retried = await client.post(f"/api/notify/deliveries/{failed['id']}/retry", headers=headers)
        assert retried.status_code == 202
    [done] = await notify.settled(id=failed["id"])
    assert done["status"] == "succeeded"
    assert len(handler.to("sched@example.com")) == 1
