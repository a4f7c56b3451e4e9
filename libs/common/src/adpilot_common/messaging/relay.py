"""Outbox relay: publishes pending outbox rows to JetStream with ``Nats-Msg-Id`` = event id.

At-least-once towards NATS, exactly-once in the stream: a crash between PubAck and mark-published makes the
next relay (this replica or another; rows are claimed with ``FOR UPDATE SKIP LOCKED``) publish again, and
JetStream drops the repeat inside its duplicate window.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import text

from adpilot_common.logging import get_logger
from adpilot_common.messaging.outbox import OUTBOX_CHANNEL
from adpilot_common.metrics import EVENTS_PUBLISHED, OUTBOX_PUBLISH_FAILURES
from adpilot_common.telemetry import publish_span, traceparent_in_envelope

if TYPE_CHECKING:
    from nats.js import JetStreamContext
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = get_logger(__name__)

_CLAIM = text(
    "SELECT id, subject, payload FROM outbox_messages WHERE published_at IS NULL "
    "ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK = text("UPDATE outbox_messages SET published_at = now() WHERE id = ANY(:ids)")
_PURGE = text("DELETE FROM outbox_messages WHERE published_at < now() - make_interval(secs => :secs)")


@dataclass(frozen=True)
class PendingEvent:
    id: uuid.UUID
    subject: str
    payload: bytes


class OutboxRelay:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        *,
        listen_dsn: str | None = None,
        batch_size: int = 500,
        poll_interval_s: float = 0.2,
        publish_timeout_s: float = 5.0,
        keep_published: timedelta = timedelta(days=3),
        service: str = "unknown",
    ) -> None:
        self._sessions = session_factory
        self._js = js
        self._listen_dsn = listen_dsn
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._keep_published = keep_published
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published_total = 0
        self._published = EVENTS_PUBLISHED.labels(service)
        self._failed = OUTBOX_PUBLISH_FAILURES.labels(service)

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were marked published."""
        async with self._sessions() as session, session.begin():
            rows = [PendingEvent(*r) for r in (await session.execute(_CLAIM, {"limit": self._batch_size}))]
            if not rows:
                return 0
            outcomes = await asyncio.gather(*(self._publish(e) for e in rows), return_exceptions=True)
            published = [e.id for e, outcome in zip(rows, outcomes, strict=True) if outcome is None]
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            if failures:
                self._failed.inc(len(failures))
                log.warning("outbox publish failed", failed=len(failures), error=repr(failures[0]))
            if published:
                await self._mark_published(session, published)
        self.published_total += len(published)
        self._published.inc(len(published))
        return len(published)

    async def _publish(self, event: PendingEvent) -> None:
        headers = {"Nats-Msg-Id": str(event.id)}
        # The request that wrote the event continues here: a publish span, its context in the NATS headers.
        with publish_span(event.subject, traceparent_in_envelope(event.payload), headers):
            await self._js.publish(
                event.subject, event.payload, timeout=self._publish_timeout_s, headers=headers
            )

    async def _mark_published(self, session: AsyncSession, ids: list[uuid.UUID]) -> None:
        await session.execute(_MARK, {"ids": ids})

    async def purge_published(self) -> int:
        async with self._sessions() as session, session.begin():
            result = await session.execute(_PURGE, {"secs": self._keep_published.total_seconds()})
        return int(getattr(result, "rowcount", 0) or 0)

    async def run(self) -> None:
        """Relay until :meth:`stop`; failures (DB or NATS down) back off and retry, rows are never dropped."""
        listener = await self._listen()
        backoff = self._poll_interval_s
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before the claim, so a NOTIFY during publishing is not lost
                try:
                    count = await self.publish_pending()
                    backoff = self._poll_interval_s
                except Exception as exc:
                    log.warning("outbox relay cycle failed", error=repr(exc))
                    backoff = min(backoff * 2, 5.0)
                    count = 0
                if count >= self._batch_size:
                    continue  # more waiting: no sleep
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=backoff)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        if self._listen_dsn is None:
            return None
        try:
            conn = await asyncpg.connect(self._listen_dsn)
            await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
            return conn
        except Exception as exc:  # polling still works without LISTEN
            log.warning("outbox LISTEN unavailable, polling only", error=repr(exc))
            return None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Finish the batch in flight, then return."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
