"""What is waiting, sampled when Prometheus scrapes ``/metrics``: each durable consumer's lag, the outbox rows not
yet published and the dead-lettered messages of this service's consumers.

On scrape rather than on a timer: the numbers are as fresh as the scrape, and a service nobody scrapes does no
work for them. Every replica of a service reports the same values (the durable consumer, the database and the
dead-letter stream are shared), so dashboards aggregate them with ``max``, never ``sum``. A source that cannot
be read (NATS or the database away, or slower than the timeout) keeps its last values and counts a sampling
error; ``/metrics`` still answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from nats.js.errors import NotFoundError
from sqlalchemy import text

from adpilot_common.events.streams import stream_for_subject
from adpilot_common.logging import get_logger
from adpilot_common.messaging.deadletters import counts as dead_letters
from adpilot_common.metrics import (
    BACKLOG_SAMPLE_ERRORS,
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    DLQ_MESSAGES,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
)

if TYPE_CHECKING:
    from nats.js import JetStreamContext
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = get_logger(__name__)

_OUTBOX = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox_messages WHERE published_at IS NULL"
)


class Subscription(Protocol):
    """What the sampler needs of a consumer (an :class:`~adpilot_common.messaging.consumer.EventConsumer`)."""

    @property
    def name(self) -> str: ...

    @property
    def subject(self) -> str: ...


class BacklogSampler:
    def __init__(
        self,
        service: str,
        js: JetStreamContext | None,
        consumers: Sequence[Subscription],
        sessions: async_sessionmaker[AsyncSession] | None,
    ) -> None:
        self.service = service
        self._js = js
        self._consumers = list(consumers)
        self._sessions = sessions

    async def sample(self, timeout_s: float = 2.0) -> None:
        """Refresh every gauge; each source is bounded by ``timeout_s``, so a hung one neither stalls the scrape
        nor keeps the others from updating."""
        await asyncio.gather(
            self._bounded("nats", self._sample_nats, timeout_s),
            self._bounded("database", self._sample_outbox, timeout_s),
        )

    async def _bounded(self, source: str, sample: Callable[[], Awaitable[None]], timeout_s: float) -> None:
        try:
            await asyncio.wait_for(sample(), timeout=timeout_s)
        except Exception as exc:  # TimeoutError included: keep the last values, say so
            BACKLOG_SAMPLE_ERRORS.labels(self.service, source).inc()
            log.warning("backlog sample failed", source=source, error=repr(exc))

    async def _sample_nats(self) -> None:
        if not self._consumers:
            return
        if self._js is None:
            raise ConnectionError("not connected to NATS")
        for consumer in self._consumers:
            try:
                info = await self._js.consumer_info(stream_for_subject(consumer.subject).name, consumer.name)
            except NotFoundError:
                continue  # not created yet: the service is still starting
            CONSUMER_PENDING.labels(consumer.name).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(consumer.name).set(info.num_ack_pending or 0)
        dead = await dead_letters(self._js)
        for consumer in self._consumers:
            DLQ_MESSAGES.labels(consumer.name).set(dead.get(consumer.name, 0))

    async def _sample_outbox(self) -> None:
        if self._sessions is None:
            return
        async with self._sessions() as session:
            count, age = (await session.execute(_OUTBOX)).one()
        OUTBOX_BACKLOG.labels(self.service).set(count)
        OUTBOX_OLDEST_AGE.labels(self.service).set(float(age))
