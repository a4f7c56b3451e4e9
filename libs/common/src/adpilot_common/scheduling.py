"""Schedule ticks: every replica of a service publishes ``schedule.v1.tick`` for its recurring jobs; one survives.

A tick's event id is ``uuid5(<job>:<slot start>)`` and it is published straight to JetStream with
``Nats-Msg-Id: <job>:<slot start>``: replicas publishing the same slot within the stream's duplicate window store
one message, and the consumer's inbox (keyed by event id) drops any later copy, e.g. from a replica that starts
mid-slot and publishes the current slot again. So the job runs once per slot however many replicas tick, and a slot whose
boundary fell while every replica was down still runs when the first one comes back.

There is no outbox here on purpose: a tick carries no state change, and a publish that fails is simply retried
on the next loop (every ``check_interval_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.logging import get_logger
from adpilot_common.messaging.outbox import build_event

log = get_logger(__name__)

TICK_SUBJECT = "schedule.v1.tick"
_TICK_NAMESPACE = uuid.UUID("6f1d2c1e-5b7a-4c55-9a53-0b7e4c3a9d11")


@dataclass(frozen=True)
class ScheduledJob:
    name: str  # "<service>.<job>", e.g. connectors.sync
    interval_s: int


def slot_start(interval_s: int, now: datetime) -> datetime:
    """Start of the slot containing ``now``: slots are aligned to the epoch, so every replica agrees."""
    epoch_s = int(now.timestamp())
    return datetime.fromtimestamp(epoch_s - epoch_s % interval_s, UTC)


def tick_id(job: str, slot: datetime) -> uuid.UUID:
    return uuid.uuid5(_TICK_NAMESPACE, f"{job}:{slot.isoformat()}")


class Ticker:
    """Publishes the current slot's tick of each job, at start and whenever a new slot begins."""

    def __init__(
        self, js: JetStreamContext, jobs: list[ScheduledJob], *, source: str, check_interval_s: float = 5.0
    ) -> None:
        self._js = js
        self._jobs = jobs
        self._source = source
        self._check_interval_s = check_interval_s
        self._published: dict[str, datetime] = {}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def publish_due(self, now: datetime | None = None) -> list[ScheduleTick]:
        """Publish the tick of every job whose current slot this ticker has not published yet."""
        now = now or datetime.now(UTC)
        sent: list[ScheduleTick] = []
        for job in self._jobs:
            slot = slot_start(job.interval_s, now)
            if self._published.get(job.name) == slot:
                continue
            tick = ScheduleTick(job=job.name, slot_start=slot, interval_s=job.interval_s)
            event = build_event(TICK_SUBJECT, tick, source=self._source, event_id=tick_id(job.name, slot))
            await self._js.publish(
                TICK_SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": f"{job.name}:{slot.isoformat()}"}
            )
            self._published[job.name] = slot
            sent.append(tick)
        return sent

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.publish_due()
            except Exception as exc:  # NATS away: the same slot is tried again on the next loop
                log.warning("schedule tick publish failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._check_interval_s)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="schedule-ticker")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
