"""JetStream checks tests share."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError


async def consumer_caught_up(js: JetStreamContext, stream: str, consumer: str, seq: int) -> bool:
    """Whether the durable ``consumer`` has handled (acked or dead-lettered) the stream up to sequence ``seq``;
    False while the consumer does not exist yet (its service is still starting)."""
    try:
        info = await js.consumer_info(stream, consumer)
    except NotFoundError:
        return False
    return info.num_ack_pending == 0 and (info.ack_floor.stream_seq or 0) >= seq
