"""The runbook's dead-letter procedure, for real: a message dead-letters, /metrics shows it, the operator lists it,
deploys the fix and replays it; the effect happens once and the dead-letter queue is empty again."""

from __future__ import annotations

import json

import httpx

from adpilot_common.app import create_service_app
from adpilot_common.messaging.consumer import PermanentError
from adpilot_common.messaging.deadletters import run
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.testing.plugin import running
from adpilot_common.testing.scrape import scrape
from adpilot_common.testing.waiting import eventually

from .conftest import CONSUMER, SUBJECT, ProbeSettings, record_effect, user_event


async def test_a_dead_letter_is_listed_replayed_after_the_fix_and_applied_once(
    eventing_db, service_env, js, nats_server
):
    fixed = False

    async def handler(session, envelope, payload) -> None:
        if not fixed:
            raise PermanentError("unknown campaign")
        await record_effect(session, envelope)

    runtime = ServiceRuntime(ProbeSettings(**service_env(eventing_db.url)))
    runtime.consume(SUBJECT, handler)
    app = create_service_app(runtime, title="probe")
    bad, good = user_event(1), user_event(2)
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p") as client,
    ):
        await eventing_db.stage([bad])

        async def dead_lettered() -> bool:
            return await scrape(client, "adpilot_dlq_messages", consumer=CONSUMER) == 1

        await eventually(dead_lettered, what="the failed event in the dead-letter queue")

        assert await run(nats_server.url, "list", None, ()) == [f"{CONSUMER}\t1"]
        (line,) = await run(nats_server.url, "list", CONSUMER, ())
        entry = json.loads(line)
        assert entry["reason"] == "permanent_error" and entry["event_id"] == str(bad.id)
        assert "unknown campaign" in entry["error"] and entry["subject"] == SUBJECT

        fixed = True  # the fix is deployed
        await eventing_db.stage([good])
        assert await run(nats_server.url, "replay", CONSUMER, ()) == [f"replayed 1 message(s) of {CONSUMER}"]
        assert await run(nats_server.url, "replay", CONSUMER, ()) == [f"replayed 0 message(s) of {CONSUMER}"]

        async def applied() -> bool:
            return await eventing_db.effects() == 2

        await eventually(applied, what="the replayed and the new event applied")
        assert await eventing_db.distinct_effects() == 2
        assert await scrape(client, "adpilot_dlq_messages", consumer=CONSUMER) == 0
        assert await run(nats_server.url, "list", None, ()) == ["no dead letters"]


async def test_purge_drops_a_consumer_s_dead_letters(eventing_db, service_env, js, nats_server):
    runtime = ServiceRuntime(ProbeSettings(**service_env(eventing_db.url)))
    runtime.consume(SUBJECT, record_effect)
    app = create_service_app(runtime, title="probe")
    async with running(app):
        for n in range(2):
            await js.publish(SUBJECT, b"{not json", headers={"Nats-Msg-Id": f"poison-{n}"})

        async def two() -> bool:
            return await run(nats_server.url, "list", None, ()) == [f"{CONSUMER}\t2"]

        await eventually(two, what="two malformed messages dead-lettered")
        (first, _) = await run(nats_server.url, "list", CONSUMER, ())
        assert json.loads(first)["event_id"] is None and json.loads(first)["reason"] == "malformed"
        assert await run(nats_server.url, "purge", CONSUMER, ()) == [f"purged 2 message(s) of {CONSUMER}"]
        assert await run(nats_server.url, "list", CONSUMER, ()) == []
    assert await eventing_db.effects() == 0
