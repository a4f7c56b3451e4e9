"""Fan-out of events to the WebSocket connections of their org, with a short per-org replay buffer.

Each connection has a bounded queue: a browser that cannot keep up is disconnected (it reconnects and resumes)
instead of growing memory or slowing the others. Every event gets a sequence number of this hub; a client that
reconnects to the same gateway process within the buffer's reach gets what it missed, anyone else is told to
resync (refetch through the REST API)."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from adpilot_common.logging import get_logger
from adpilot_gateway.live.direct import text_frame

log = get_logger(__name__)

QUEUE_SIZE = 256
REPLAY_PER_ORG = 500


@dataclass(frozen=True)
class Frame:
    """One event as it goes out: numbered, and encoded once for every socket it is sent to (as text for the ASGI
    path, and as the finished WebSocket frame for sockets written directly)."""

    seq: int
    text: str
    wire: bytes


@dataclass(eq=False)
class Subscriber:
    """One socket's share of the hub. ``direct`` (set by the endpoint once the socket is caught up) writes a frame
    at once and says whether it could; frames it refuses, or that would overtake one still queued or being sent
    (``busy``), wait in ``queue`` for the socket's own task."""

    org_id: uuid.UUID
    session_id: uuid.UUID
    queue: asyncio.Queue[Frame] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)
    direct: Callable[[Frame], bool] | None = None
    busy: bool = False


class Hub:
    def __init__(self, *, replay_per_org: int = REPLAY_PER_ORG) -> None:
        self.boot_id = uuid.uuid4().hex  # a resume is only possible into the process that numbered the events
        self._seq = itertools.count(1)
        self.last_seq = 0
        self._replay_per_org = replay_per_org
        self._recent: dict[uuid.UUID, deque[Frame]] = {}
        self._subscribers: dict[uuid.UUID, set[Subscriber]] = {}

    def publish(self, org_id: uuid.UUID, event: dict[str, Any]) -> int:
        """Number the event, keep it for replay and queue it for every subscriber of the org."""
        self.last_seq = seq = next(self._seq)
        text = json.dumps({"type": "event", "seq": seq, "event": event}, separators=(",", ":"))
        frame = Frame(seq, text, text_frame(text))
        self._recent.setdefault(org_id, deque(maxlen=self._replay_per_org)).append(frame)
        for subscriber in self._subscribers.get(org_id, ()):
            self._offer(subscriber, frame)
        return seq

    def subscribe(self, org_id: uuid.UUID, session_id: uuid.UUID) -> Subscriber:
        subscriber = Subscriber(org_id, session_id)
        self._subscribers.setdefault(org_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.get(subscriber.org_id)
        if subscribers is not None:
            subscribers.discard(subscriber)
            if not subscribers:
                del self._subscribers[subscriber.org_id]

    def missed(self, org_id: uuid.UUID, boot_id: str, after_seq: int) -> list[Frame] | None:
        """The org's events after ``after_seq``, or None when they cannot all be replayed (another process
        numbered them, or the buffer no longer reaches back that far)."""
        if boot_id != self.boot_id or after_seq > self.last_seq:
            return None
        recent = self._recent.get(org_id)
        if not recent:
            return []
        if len(recent) == recent.maxlen and recent[0].seq > after_seq + 1:
            return None  # the full buffer has dropped older events, maybe some after after_seq
        return [f for f in recent if f.seq > after_seq]

    def subscribers(self) -> Iterator[Subscriber]:
        for group in self._subscribers.values():
            yield from group

    def count(self) -> int:
        return sum(len(group) for group in self._subscribers.values())

    @staticmethod
    def _offer(subscriber: Subscriber, frame: Frame) -> None:
        direct = subscriber.direct
        if direct is not None and not subscriber.busy and subscriber.queue.empty() and direct(frame):
            return
        try:
            subscriber.queue.put_nowait(frame)
        except asyncio.QueueFull:
            if not subscriber.overflowed.is_set():
                log.warning("live subscriber too slow, disconnecting", org_id=str(subscriber.org_id))
            subscriber.overflowed.set()
