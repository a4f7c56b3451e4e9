"""/metrics reports what is waiting: consumer lag, the outbox backlog, dead letters, relay throughput."""

from __future__ import annotations

import httpx
from prometheus_client import REGISTRY

from adpilot_common.app import create_service_app
from adpilot_common.messaging.backlog import BacklogSampler
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.testing.jetstream import consumer_caught_up
from adpilot_common.testing.plugin import running
from adpilot_common.testing.scrape import sample_value, scrape
from adpilot_common.testing.waiting import eventually

from .conftest import CONSUMER, SUBJECT, ProbeSettings, record_effect, user_event


def gauge(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_scrape_reports_dead_letters_backlog_and_lag(eventing_db, service_env, js):
    runtime = ServiceRuntime(ProbeSettings(**service_env(eventing_db.url)))
    consumer = runtime.consume(SUBJECT, record_effect)
    app = create_service_app(runtime, title="probe")
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p") as client,
    ):
        published = await scrape(client, "adpilot_outbox_published_total", service="probe")
        dead = await scrape(
            client, "adpilot_events_consumed_total", consumer=CONSUMER, outcome="dead_lettered"
        )
        poison = await js.publish(SUBJECT, b"not an envelope", headers={"Nats-Msg-Id": "poison"})
        await eventing_db.stage([user_event(n) for n in range(3)])

        async def settled() -> bool:
            return await eventing_db.effects() == 3 and await consumer_caught_up(
                js, "AUTH", CONSUMER, poison.seq + 3
            )

        await eventually(settled, what="three effects and the poison message dead-lettered")
        text = (await client.get("/metrics")).text
        assert sample_value(text, "adpilot_dlq_messages", consumer=CONSUMER) == 1
        assert sample_value(text, "adpilot_outbox_backlog_messages", service="probe") == 0
        assert sample_value(text, "adpilot_outbox_oldest_age_seconds", service="probe") == 0
        assert sample_value(text, "adpilot_consumer_pending_messages", consumer=CONSUMER) == 0
        assert sample_value(text, "adpilot_consumer_ack_pending_messages", consumer=CONSUMER) == 0
        assert sample_value(text, "adpilot_outbox_published_total", service="probe") == published + 3
        assert (
            sample_value(text, "adpilot_events_consumed_total", consumer=CONSUMER, outcome="dead_lettered")
            == dead + 1
        )

    # The service is down: what arrives now waits, in NATS (consumer lag) and in the outbox (backlog).
    for n in range(4):
        event = user_event(100 + n)
        await js.publish(SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})
    await eventing_db.stage([user_event(200 + n) for n in range(2)])
    await BacklogSampler("probe", js, [consumer], eventing_db.sessions).sample()
    assert gauge("adpilot_consumer_pending_messages", consumer=CONSUMER) == 4
    assert gauge("adpilot_outbox_backlog_messages", service="probe") == 2
    assert (gauge("adpilot_outbox_oldest_age_seconds", service="probe") or 0) >= 0
    assert gauge("adpilot_dlq_messages", consumer=CONSUMER) == 1


async def test_an_unreachable_source_keeps_the_last_value_and_counts_an_error(eventing_db, js, nats_server):
    consumer = type("Sub", (), {"name": CONSUMER, "subject": SUBJECT})()
    await eventing_db.stage([user_event(0)])
    sampler = BacklogSampler("probe-down", js, [consumer], eventing_db.sessions)
    await sampler.sample()
    assert gauge("adpilot_outbox_backlog_messages", service="probe-down") == 1
    errors = gauge("adpilot_backlog_sample_errors_total", service="probe-down", source="nats") or 0

    nats_server.kill()
    try:
        await sampler.sample(timeout_s=1)
        assert (
            gauge("adpilot_backlog_sample_errors_total", service="probe-down", source="nats") or 0
        ) > errors
        # the database still answered
        assert gauge("adpilot_outbox_backlog_messages", service="probe-down") == 1
        assert gauge("adpilot_dlq_messages", consumer=CONSUMER) is not None  # kept from the last sample
    finally:
        nats_server.start()  # the client fixture closes cleanly
