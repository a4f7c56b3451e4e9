"""Schedule ticks against a real nats-server: one stream message per job and slot, whoever publishes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.broker import ensure_streams
from adpilot_common.scheduling import TICK_SUBJECT, ScheduledJob, Ticker, slot_start, tick_id
from adpilot_common.testing.waiting import eventually

SYNC = ScheduledJob("probe.sync", 900)
REPORT = ScheduledJob("probe.report", 3600)
NOW = datetime(2026, 6, 17, 12, 7, 30, tzinfo=UTC)


async def stored_ticks(js: JetStreamContext) -> list[tuple[EventEnvelope, str | None]]:
    info = await js.stream_info("SCHEDULE")
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else ():
        msg = await js.get_msg("SCHEDULE", seq)
        assert msg.subject == TICK_SUBJECT and msg.data is not None
        out.append((EventEnvelope.from_bytes(msg.data), (msg.headers or {}).get("Nats-Msg-Id")))
    return out


async def jetstream(nats_client: NatsClient) -> JetStreamContext:
    js = nats_client.jetstream()
    await ensure_streams(js)
    return js


def test_slots_are_aligned_to_the_epoch_and_ids_are_deterministic() -> None:
    assert slot_start(900, NOW) == datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
    assert slot_start(3600, NOW) == datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
    assert slot_start(900, NOW + timedelta(minutes=8)) == datetime(2026, 6, 17, 12, 15, tzinfo=UTC)
    slot = slot_start(900, NOW)
    assert tick_id("probe.sync", slot) == tick_id("probe.sync", slot)
    assert tick_id("probe.sync", slot) != tick_id("probe.report", slot)
    assert tick_id("probe.sync", slot) != tick_id("probe.sync", slot + timedelta(seconds=900))


async def test_two_tickers_publishing_the_same_slot_store_one_message(nats_client: NatsClient) -> None:
    js = await jetstream(nats_client)
    replicas = [Ticker(js, [SYNC], source="probe") for _ in range(2)]
    # The second replica looks at the clock a little later in the same slot.
    sent = [await replicas[0].publish_due(NOW), await replicas[1].publish_due(NOW + timedelta(seconds=40))]

    slot = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
    assert [[t.slot_start for t in ticks] for ticks in sent] == [[slot], [slot]]
    stored = await stored_ticks(js)
    assert len(stored) == 1
    envelope, msg_id = stored[0]
    assert envelope.id == tick_id("probe.sync", slot)  # the same id from every replica: inboxes dedupe too
    assert msg_id == f"probe.sync:{slot.isoformat()}"
    assert envelope.type == TICK_SUBJECT and envelope.source == "probe"
    assert envelope.data == {"job": "probe.sync", "slot_start": "2026-06-17T12:00:00Z", "interval_s": 900}


async def test_a_ticker_publishes_each_slot_once_then_the_next_one(nats_client: NatsClient) -> None:
    js = await jetstream(nats_client)
    ticker = Ticker(js, [SYNC, REPORT], source="probe")

    assert {t.job for t in await ticker.publish_due(NOW)} == {"probe.sync", "probe.report"}
    assert await ticker.publish_due(NOW + timedelta(minutes=5)) == []  # same slots: nothing to do
    later = await ticker.publish_due(NOW + timedelta(minutes=10))  # 12:17:30: a new sync slot only
    assert [(t.job, t.slot_start) for t in later] == [
        ("probe.sync", datetime(2026, 6, 17, 12, 15, tzinfo=UTC))
    ]

    ids = [envelope.id for envelope, _ in await stored_ticks(js)]
    assert len(ids) == 3 == len(set(ids))
    assert ids[-1] == tick_id("probe.sync", datetime(2026, 6, 17, 12, 15, tzinfo=UTC))


async def test_a_running_ticker_publishes_the_current_slot_at_start(nats_client: NatsClient) -> None:
    js = await jetstream(nats_client)
    ticker = Ticker(js, [SYNC], source="probe", check_interval_s=0.05)
    await ticker.start()
    try:

        async def published() -> bool:
            return len(await stored_ticks(js)) == 1

        await eventually(published, what="the current slot's tick")
    finally:
        await ticker.stop()
    (envelope, _), *rest = await stored_ticks(js)
    slot = slot_start(SYNC.interval_s, datetime.now(UTC))
    # The slot may have turned while the test ran: then the new slot's tick follows; never a repeat.
    assert envelope.id in {tick_id("probe.sync", slot), tick_id("probe.sync", slot - timedelta(seconds=900))}
    assert len({envelope.id, *(e.id for e, _ in rest)}) == 1 + len(rest)
