"""Deliveries show on /metrics by channel and outcome (the dashboard's deliveries panel)."""

from __future__ import annotations

import uuid

from adpilot_common.testing.scrape import scrape

from .conftest import Notify
from .test_webhooks import create, report_failed

DELIVERIES = "adpilot_notify_deliveries_total"


async def test_delivery_attempts_are_counted_by_channel_and_result(notify: Notify, fake_http) -> None:
    receiver = await fake_http()
    org, admin = uuid.uuid4(), uuid.uuid4()
    await create(notify, org, admin, f"{receiver.url}/hooks/adpilot")
    async with notify.client() as client:
        sent = await scrape(client, DELIVERIES, channel="webhook", result="sent")
        retried = await scrape(client, DELIVERIES, channel="webhook", result="retried")

        receiver.script = [(500, {})]
        await notify.publish(report_failed(org))
        [delivery] = await notify.settled(channel="webhook")
        assert delivery["status"] == "succeeded" and delivery["attempts"] == 2

        assert await scrape(client, DELIVERIES, channel="webhook", result="sent") == sent + 1
        assert await scrape(client, DELIVERIES, channel="webhook", result="retried") == retried + 1
        assert await scrape(client, "adpilot_notify_delivery_seconds_count", channel="webhook") >= 2
