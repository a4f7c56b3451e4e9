"""Delivery guarantees, checked against a real nats-server and PostgreSQL (never FastStream's TestNatsBroker)."""

from __future__ import annotations

import asyncio
import collections
import json

import pytest
from nats.js.errors import NotFoundError
from sqlalchemy import text

from adpilot_common.messaging.broker import ensure_streams
from adpilot_common.messaging.consumer import PermanentError
from adpilot_common.messaging.outbox import add_to_outbox
from adpilot_common.messaging.relay import OutboxRelay
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.testing.waiting import eventually

from .conftest import CONSUMER, SUBJECT, ProbeSettings, record_effect, user_event


async def drain(relay: OutboxRelay) -> int:
    total = 0
    while (n := await relay.publish_pending()) > 0:
        total += n
    return total


async def dead_letters(js) -> list[dict]:
    try:
        info = await js.stream_info("DEADLETTER")
    except NotFoundError:
        return []
    records = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        records.append(json.loads((await js.get_msg("DEADLETTER", seq)).data))
    return records


def probe_runtime(eventing_db, service_env, **overrides) -> ServiceRuntime:
    return ServiceRuntime(ProbeSettings(**service_env(eventing_db.url, **overrides)))


# --- outbox -----------------------------------------------------------------------------------------------


async def test_outbox_rollback_publishes_nothing_commit_publishes_exactly_one(eventing_db, nats_client):
    js = nats_client.jetstream()
    await ensure_streams(js)
    rolled_back, committed = user_event(1), user_event(2)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with eventing_db.sessions() as session, session.begin():
            await add_to_outbox(session, rolled_back)
            raise Abort
    async with eventing_db.sessions() as session, session.begin():
        await add_to_outbox(session, committed)

    assert await drain(OutboxRelay(eventing_db.sessions, js)) == 1
    info = await js.stream_info("AUTH")
    assert info.state.messages == 1
    stored = await js.get_msg("AUTH", info.state.last_seq)
    assert stored.headers["Nats-Msg-Id"] == str(committed.id)
    assert json.loads(stored.data)["id"] == str(committed.id)


async def test_relay_crash_after_publish_before_mark_sent_still_one_in_stream(eventing_db, nats_client):
    js = nats_client.jetstream()
    await ensure_streams(js)
    event = user_event()
    await eventing_db.stage([event])

    class Crash(Exception):
        pass

    class CrashingRelay(OutboxRelay):
        async def _mark_published(self, session, ids):
            raise Crash  # the process dies after the PubAck, before the row is marked

    with pytest.raises(Crash):
        await CrashingRelay(eventing_db.sessions, js).publish_pending()
    assert await eventing_db.scalar("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL") == 1

    assert await drain(OutboxRelay(eventing_db.sessions, js)) == 1  # the restarted relay publishes again
    assert (await js.stream_info("AUTH")).state.messages == 1  # ...and JetStream de-duplicated it
    assert await eventing_db.scalar("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL") == 0


# --- consumer ---------------------------------------------------------------------------------------------


async def test_duplicate_delivery_has_one_effect(eventing_db, service_env, nats_client):
    runtime = probe_runtime(eventing_db, service_env)
    runtime.consume(SUBJECT, record_effect)
    await runtime.start()
    try:
        js = nats_client.jetstream()
        event = user_event()
        for copy in ("first", "second", "third"):  # distinct Nats-Msg-Ids: three real deliveries
            await js.publish(SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": copy})

        async def all_acked() -> bool:
            info = await js.consumer_info("AUTH", CONSUMER)
            return info.ack_floor.stream_seq == 3

        await eventually(all_acked, what="three deliveries acked")
        assert await eventing_db.effects() == 1
    finally:
        await runtime.stop()


async def test_transient_failure_is_retried_after_the_configured_delay(eventing_db, service_env, nats_client):
    attempts: list[float] = []

    async def flaky(session, event, payload) -> None:
        attempts.append(asyncio.get_running_loop().time())
        if len(attempts) < 3:
            raise ConnectionResetError("upstream hiccup")
        await record_effect(session, event)

    runtime = probe_runtime(
        eventing_db, service_env, consumer_retry_delays_s=[0.6, 0.9], consumer_max_deliver=5
    )
    runtime.consume(SUBJECT, flaky)
    await runtime.start()
    try:
        js = nats_client.jetstream()
        await js.publish(SUBJECT, user_event().to_bytes())

        async def done() -> bool:
            return await eventing_db.effects() == 1

        await eventually(done, what="effect after retries")
        assert len(attempts) == 3  # not terminated on the first error, not hot-looped
        assert attempts[1] - attempts[0] >= 0.55
        assert attempts[2] - attempts[1] >= 0.85
        assert await dead_letters(js) == []
    finally:
        await runtime.stop()


async def test_poison_message_is_dead_lettered_after_max_deliver_and_others_flow(
    eventing_db, service_env, nats_client
):
    calls: collections.Counter[str] = collections.Counter()

    async def handler(session, event, payload) -> None:
        calls[payload.email] += 1
        if payload.email == "poison@example.com":
            raise ValueError("cannot process this one")
        await record_effect(session, event)

    runtime = probe_runtime(eventing_db, service_env, consumer_retry_delays_s=[0.1], consumer_max_deliver=4)
    runtime.consume(SUBJECT, handler)
    await runtime.start()
    try:
        js = nats_client.jetstream()
        poison = user_event(email="poison@example.com")
        await js.publish(SUBJECT, poison.to_bytes())
        for n in range(20):
            await js.publish(SUBJECT, user_event(n).to_bytes())

        async def parked() -> bool:
            return len(await dead_letters(js)) == 1

        await eventually(parked, what="one dead letter")
        await eventually(lambda: _equals(eventing_db.effects(), 20), what="the other 20 effects")
        await asyncio.sleep(0.5)  # longer than the retry delay: a fifth attempt would have happened by now
        [record] = await dead_letters(js)
        assert record["consumer"] == CONSUMER and record["reason"] == "max_deliveries"
        assert record["attempts"] == 4 and record["stream_seq"] == 1
        assert calls["poison@example.com"] == 4  # exactly max_deliver handler attempts
        info = await js.consumer_info("AUTH", CONSUMER)
        assert info.num_ack_pending == 0 and info.num_pending == 0  # terminated, not left to redeliver
        assert "cannot process this one" in record["error"]
        assert json.loads(record["payload"])["id"] == str(poison.id)
    finally:
        await runtime.stop()


async def test_malformed_and_permanent_failures_dead_letter_at_once(eventing_db, service_env, nats_client):
    calls = 0

    async def handler(session, event, payload) -> None:
        nonlocal calls
        calls += 1
        if payload.email == "gone@example.com":
            raise PermanentError("refers to a deleted account")
        await record_effect(session, event)

    runtime = probe_runtime(eventing_db, service_env, consumer_max_deliver=5)
    runtime.consume(SUBJECT, handler)
    await runtime.start()
    try:
        js = nats_client.jetstream()
        await js.publish(SUBJECT, b"{not json")
        await js.publish(SUBJECT, user_event(email="gone@example.com").to_bytes())
        await js.publish(SUBJECT, user_event().to_bytes())

        async def two_parked() -> bool:
            return len(await dead_letters(js)) == 2

        await eventually(two_parked, what="two dead letters")
        await eventually(lambda: _equals(eventing_db.effects(), 1), what="the good event")
        reasons = sorted(r["reason"] for r in await dead_letters(js))
        assert reasons == ["malformed", "permanent_error"]
        assert calls == 2  # the malformed one never reached the handler; the permanent one ran once
    finally:
        await runtime.stop()


async def _equals(value, expected) -> bool:
    return await value == expected


# --- failures at scale ------------------------------------------------------------------------------------


async def test_broker_killed_and_restarted_during_10k_messages_loses_nothing(
    eventing_db, service_env, nats_server
):
    runtime = probe_runtime(eventing_db, service_env, consumer_batch_size=64)
    runtime.consume(SUBJECT, record_effect)
    await runtime.start()
    try:
        await eventing_db.stage([user_event(n) for n in range(10_000)])

        async def some_done() -> bool:
            return await eventing_db.effects() >= 2_000

        await eventually(some_done, timeout=60, what="first 2000 effects")
        nats_server.kill()  # SIGKILL mid-stream, with publishes and acks in flight
        await asyncio.sleep(1.5)
        nats_server.start()  # same port and store dir

        async def all_done() -> bool:
            return await eventing_db.distinct_effects() == 10_000

        await eventually(all_done, timeout=120, what="all 10k effects after the restart")
        assert await eventing_db.effects() == 10_000  # no effect applied twice
        assert (
            await eventing_db.scalar("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL") == 0
        )
        assert (await runtime.readiness())["nats"] == "ok"
    finally:
        await runtime.stop()


async def test_two_replicas_on_one_durable_consumer_process_10k_exactly_once(eventing_db, service_env):
    replicas = []
    for name in ("a", "b"):
        runtime = probe_runtime(eventing_db, service_env, consumer_batch_size=32)

        async def handler(session, event, payload, replica=name) -> None:
            await record_effect(session, event, payload, replica)

        runtime.consume(SUBJECT, handler)
        replicas.append(runtime)
    for runtime in replicas:
        await runtime.start()
    try:
        await eventing_db.stage([user_event(n) for n in range(10_000)])

        async def all_done() -> bool:
            return await eventing_db.distinct_effects() == 10_000

        await eventually(all_done, timeout=120, what="10k effects across two replicas")
        await asyncio.sleep(0.3)
        assert await eventing_db.effects() == 10_000
        async with eventing_db.engine.connect() as conn:
            split = dict((await conn.execute(text("SELECT replica, count(*) FROM effects GROUP BY 1"))).all())
        assert set(split) == {"a", "b"}, split  # the work really was shared
    finally:
        for runtime in replicas:
            await runtime.stop()
