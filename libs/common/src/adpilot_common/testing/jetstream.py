"""JetStream checks tests share."""

from __future__ import annotations

from collections.abc import Collection

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.consumer import durable_name
from adpilot_common.scheduling import TICK_SUBJECT

SCHEDULE_STREAM = "SCHEDULE"


async def consumer_caught_up(js: JetStreamContext, stream: str, consumer: str, seq: int) -> bool:
    """Whether the durable ``consumer`` has handled (acked or dead-lettered) the stream up to sequence ``seq``;
    False while the consumer does not exist yet (its service is still starting)."""
    try:
        info = await js.consumer_info(stream, consumer)
    except NotFoundError:
        return False
    return info.num_ack_pending == 0 and (info.ack_floor.stream_seq or 0) >= seq


async def start_up_ticks_handled(js: JetStreamContext, service: str, jobs: Collection[str]) -> bool:
    """Whether ``service``'s ticker has published its tick of each of ``jobs`` (it does at start, for the current
    slots) and the service's tick consumer has handled the stream up to them. Tests that change what a tick
    acts on wait for this first: a start-up tick handled afterwards would act on the change too. Ticks other
    sources published (a test's own) do not count."""
    seqs: dict[str, int] = {}
    seq = 1
    while True:
        try:
            msg = await js.get_msg(SCHEDULE_STREAM, seq=seq, subject=TICK_SUBJECT, next=True)
        except NotFoundError:
            break
        assert msg.seq is not None and msg.data is not None
        event = EventEnvelope.from_bytes(msg.data)
        if event.source == service and event.data["job"] in jobs:
            seqs.setdefault(event.data["job"], msg.seq)
        seq = msg.seq + 1
    if seqs.keys() != set(jobs):
        return False
    return await consumer_caught_up(
        js, SCHEDULE_STREAM, durable_name(service, TICK_SUBJECT), max(seqs.values())
    )
