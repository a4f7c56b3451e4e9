"""Durable, idempotent JetStream consumers with explicit acks, delayed retries and a dead-letter stream.

FastStream's defaults are wrong for us: its default ack policy terminates a message whose handler raised, and
NACK_ON_ERROR redelivers in a hot loop. Every consumer registered here pulls batches with ``AckPolicy.MANUAL``
and applies this policy:

* a batch is applied in one DB transaction: each event id is claimed in the inbox and its handler runs only on
  the first claim; after the commit every message is acked (a redelivered event is acked without a second effect);
* a malformed message or :class:`PermanentError` goes to the dead-letter stream at once;
* if a handler fails, the transaction is rolled back, that message alone is retried with ``nak(delay)`` (or, on
  its ``max_deliver``-th failed attempt, dead-lettered with its error and terminated), and the rest of the
  batch is applied again without it, so one bad message never holds up the others;
* infrastructure failures (database down, timeouts) nak the whole batch with back-off and never dead-letter.

A consumer given a ``partition_key`` splits each pulled batch into up to ``parallelism`` groups by that key and
applies the groups at the same time, each in its own transaction (the policy above holds per group). Events of
one key stay in one group, in stream order; the next batch is pulled only when every group is done. While one
transaction waits on PostgreSQL, the process decodes and stages the next, and PostgreSQL works on several.
"""

from __future__ import annotations

import asyncio
import heapq
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from faststream import AckPolicy, Context
from faststream.message import StreamMessage
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from faststream.types import DecodedMessage
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from adpilot_common.events.envelope import EventEnvelope, envelope_with
from adpilot_common.events.registry import contract_for
from adpilot_common.events.streams import stream_for_subject
from adpilot_common.logging import correlation_scope, get_logger
from adpilot_common.messaging.inbox import claim_events, count_failure, forget_failures
from adpilot_common.metrics import EVENTS_CONSUMED
from adpilot_common.telemetry import handler_span

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = get_logger(__name__)

# Failures of our own infrastructure (database down, network) say nothing about the message: they are retried
# with back-off for as long as it takes and never dead-letter it. Only handler failures count towards max_deliver.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
)
# How long a pull waits to fill a batch: bounds the added latency when traffic is light. Very short pulls
# expire often, and under load a message occasionally reached the client after its pull had ended; the server
# then redelivers it only at AckWait (seen in CI; see docs/decisions.md), so do not go much lower.
PULL_WAIT_S = 0.5

P = TypeVar("P", bound=BaseModel)
Handler = Callable[["AsyncSession", EventEnvelope, P], Awaitable[None]]
# What must be applied in order (an ad account's metric batches, say); different keys may be applied in parallel.
PartitionKey = Callable[[EventEnvelope, P], Hashable]


class PermanentError(Exception):
    """Retrying cannot help (bad data, unknown reference): dead-letter immediately."""


@dataclass(frozen=True)
class RetryPolicy:
    max_deliver: int = 6
    delays_s: Sequence[float] = (1.0, 5.0, 30.0, 120.0, 600.0)
    ack_wait_s: float = 30.0

    def delay_after(self, attempt: int) -> float:
        """Delay before attempt ``attempt + 1`` (attempts count from 1)."""
        if not self.delays_s:
            return 0.0
        return float(self.delays_s[min(attempt, len(self.delays_s)) - 1])


def durable_name(consumer_service: str, subject: str) -> str:
    """``notify--user-v1-registered``: the agreed durable consumer name."""
    return f"{consumer_service}--{subject.replace('.', '-')}"


def dead_letter_subject(consumer: str) -> str:
    return f"deadletter.{consumer}"


def is_infrastructure_error(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, INFRASTRUCTURE_ERRORS)


@dataclass(frozen=True)
class Delivery(Generic[P]):
    raw: Msg
    envelope: EventEnvelope
    payload: P

    @property
    def attempt(self) -> int:
        return self.raw.metadata.num_delivered or 1


class HandlerFailed(Exception, Generic[P]):
    """One message's handler raised; carries which one so the rest of the batch can proceed."""

    def __init__(self, delivery: Delivery[P], cause: Exception) -> None:
        super().__init__(repr(cause))
        self.delivery = delivery
        self.cause = cause


class DeadLetter(BaseModel):
    """What lands on ``deadletter.<consumer>``: enough to diagnose and replay."""

    consumer: str
    subject: str
    stream: str
    stream_seq: int
    attempts: int
    reason: str
    error: str
    traceback: str
    payload: str
    failed_at: datetime


@dataclass
class EventConsumer(Generic[P]):
    """One subscription: ``service`` consumes ``subject`` and applies ``handler`` to each event."""

    service: str
    subject: str
    handler: Handler[P]
    sessions: async_sessionmaker[AsyncSession]
    retry: RetryPolicy
    payload_model: type[P]
    partition_key: PartitionKey[P] | None = None
    parallelism: int = 1
    _broker: NatsBroker | None = field(default=None, init=False, repr=False)
    _envelope_model: type[EventEnvelope] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._envelope_model = envelope_with(self.payload_model)

    @property
    def name(self) -> str:
        return durable_name(self.service, self.subject)

    async def on_batch(self, batch: NatsBatchMessage) -> None:
        pending: list[Delivery[P]] = []
        for raw in batch.raw_message:
            try:
                envelope = self._envelope_model.model_validate_json(raw.data)
                payload: P = envelope.data  # type: ignore[assignment]  # validated as payload_model
                pending.append(Delivery(raw, envelope, payload))
            except (ValidationError, ValueError) as exc:
                await self._dead_letter(raw, "malformed", exc)
        groups = self._partition(pending)
        if len(groups) == 1:
            await self._apply_group(groups[0])
            return
        outcomes = await asyncio.gather(*(self._apply_group(g) for g in groups), return_exceptions=True)
        for outcome in outcomes:  # every group ran to its end (acked or nak'ed) before anything is raised
            if isinstance(outcome, BaseException):
                raise outcome

    def _partition(self, deliveries: list[Delivery[P]]) -> list[list[Delivery[P]]]:
        """Deliveries split by key into at most ``parallelism`` groups, each in stream order.

        The next pull waits for the slowest group, so keys are dealt out by size (largest first, each to the
        group with the fewest deliveries so far) rather than by hash, which left groups lopsided."""
        if self.partition_key is None or self.parallelism <= 1 or len(deliveries) <= 1:
            return [deliveries]
        keys = [self._key_of(d) for d in deliveries]
        sizes = Counter(keys)
        loads = [(0, index) for index in range(min(self.parallelism, len(sizes)))]
        group_of: dict[Hashable, int] = {}
        for key, size in sizes.most_common():
            load, index = heapq.heappop(loads)
            group_of[key] = index
            heapq.heappush(loads, (load + size, index))
        groups: list[list[Delivery[P]]] = [[] for _ in loads]
        for key, delivery in zip(keys, deliveries, strict=True):
            groups[group_of[key]].append(delivery)
        return groups

    def _key_of(self, delivery: Delivery[P]) -> Hashable:
        assert self.partition_key is not None
        try:
            return self.partition_key(delivery.envelope, delivery.payload)
        except Exception:  # the handler will refuse it; any group does
            return None

    async def _apply_group(self, pending: list[Delivery[P]]) -> None:
        """Apply ``pending`` in one transaction; a failing message is retried or dead-lettered on its own."""
        while pending:
            try:
                await self._apply(pending)
            except HandlerFailed as failure:
                failed: Delivery[P] = failure.delivery
                pending = [d for d in pending if d is not failed]
                if is_infrastructure_error(failure.cause):
                    await self._retry_all([failed, *pending], failure.cause)
                    return
                await self._handle_failure(failed, failure.cause)
                continue
            except Exception as exc:  # commit or inbox failure: nothing was applied
                await self._retry_all(pending, exc)
                return
            for delivery in pending:
                await delivery.raw.ack()
            EVENTS_CONSUMED.labels(self.name, "applied").inc(len(pending))
            return

    async def _apply(self, deliveries: list[Delivery[P]]) -> None:
        """Claim and apply every delivery in one transaction; raises HandlerFailed naming the culprit."""
        async with self.sessions() as session, session.begin():
            ids = [d.envelope.id for d in deliveries]
            first_seen = await claim_events(session, self.name, ids)
            await forget_failures(session, self.name, ids)  # earlier failed attempts no longer matter
            for delivery in deliveries:
                if delivery.envelope.id not in first_seen:
                    continue  # already applied (or twice in this batch): ack without a second effect
                first_seen.discard(delivery.envelope.id)
                envelope = delivery.envelope
                with (
                    correlation_scope(envelope.correlation_id, event_id=str(envelope.id)),
                    handler_span(
                        envelope.type, self.name, str(envelope.id), delivery.raw.headers, envelope.traceparent
                    ),
                ):
                    try:
                        await self.handler(session, envelope, delivery.payload)
                    except Exception as exc:
                        raise HandlerFailed(delivery, exc) from exc

    async def _handle_failure(self, delivery: Delivery[P], exc: Exception) -> None:
        if isinstance(exc, PermanentError):
            await self._dead_letter(delivery.raw, "permanent_error", exc)
            return
        try:
            async with self.sessions() as session, session.begin():
                attempt = await count_failure(session, self.name, delivery.envelope.id)
                if attempt >= self.retry.max_deliver:
                    await forget_failures(session, self.name, [delivery.envelope.id])
        except Exception as count_error:  # the database is away: retry later, never dead-letter blind
            await self._retry_all([delivery], count_error)
            return
        if attempt >= self.retry.max_deliver:
            await self._dead_letter(delivery.raw, "max_deliveries", exc, attempts=attempt)
        else:
            delay = self.retry.delay_after(attempt)
            log.warning(
                "handler failed, retrying",
                consumer=self.name,
                event_id=str(delivery.envelope.id),
                attempt=attempt,
                delay_s=delay,
                error=repr(exc),
            )
            EVENTS_CONSUMED.labels(self.name, "retried").inc()
            await delivery.raw.nak(delay=delay)

    async def _retry_all(self, deliveries: Sequence[Delivery[P]], exc: BaseException) -> None:
        attempt = max((d.attempt for d in deliveries), default=1)
        delay = self.retry.delay_after(attempt)
        log.warning(
            "batch not applied, retrying",
            consumer=self.name,
            messages=len(deliveries),
            delay_s=delay,
            error=repr(exc),
        )
        for delivery in deliveries:
            await delivery.raw.nak(delay=delay)

    async def _dead_letter(
        self, raw: Msg, reason: str, exc: BaseException, *, attempts: int | None = None
    ) -> None:
        attempt = attempts if attempts is not None else (raw.metadata.num_delivered or 1)
        record = DeadLetter(
            consumer=self.name,
            subject=raw.subject,
            stream=raw.metadata.stream,
            stream_seq=raw.metadata.sequence.stream,
            attempts=attempt,
            reason=reason,
            error=f"{type(exc).__name__}: {exc}",
            traceback="".join(traceback.format_exception(exc))[-4000:],
            payload=raw.data.decode("utf-8", errors="replace"),
            failed_at=datetime.now(UTC),
        )
        assert self._broker is not None, "register() the consumer before it handles messages"
        try:
            await self._broker.connection.jetstream().publish(
                dead_letter_subject(self.name),
                record.model_dump_json().encode(),
                headers={"Nats-Msg-Id": f"dlq:{self.name}:{record.stream_seq}"},
            )
        except Exception as publish_error:  # NATS trouble: the redelivery will park it again
            log.warning("dead-letter publish failed", consumer=self.name, error=repr(publish_error))
            await raw.nak(delay=self.retry.delay_after(attempt))
            return
        log.error(
            "event dead-lettered",
            consumer=self.name,
            reason=reason,
            stream_seq=record.stream_seq,
            attempts=attempt,
            error=record.error,
        )
        EVENTS_CONSUMED.labels(self.name, "dead_lettered").inc()
        await raw.term()  # no more redeliveries for this consumer

    def register(self, broker: NatsBroker, *, batch_size: int = 100) -> None:
        self._broker = broker
        stream = stream_for_subject(self.subject)

        async def on_batch(batch: Annotated[NatsBatchMessage, Context("message")]) -> None:
            await self.on_batch(batch)

        broker.subscriber(
            self.subject,
            stream=JStream(stream.name, declare=False),
            durable=self.name,
            pull_sub=PullSub(batch_size=batch_size, timeout=PULL_WAIT_S, batch=True),
            config=ConsumerConfig(
                durable_name=self.name,
                ack_policy=JsAckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.retry.ack_wait_s,
                # Unlimited on the server: this module decides when to dead-letter (see INFRASTRUCTURE_ERRORS).
                max_deliver=-1,
                max_ack_pending=10_000,
                filter_subject=self.subject,
            ),
            ack_policy=AckPolicy.MANUAL,
            decoder=_bodies_left_alone,
        )(on_batch)


async def _bodies_left_alone(message: StreamMessage[Any]) -> DecodedMessage:
    """FastStream's decoder would ``json.loads`` every body for a handler argument ``on_batch`` does not take;
    the envelopes are parsed once, by pydantic, in :meth:`EventConsumer.on_batch` (metric batches are 200 kB)."""
    return None


def event_consumer(
    service: str,
    subject: str,
    handler: Handler[P],
    sessions: async_sessionmaker[AsyncSession],
    retry: RetryPolicy,
    *,
    partition_key: PartitionKey[P] | None = None,
    parallelism: int = 1,
) -> EventConsumer[P]:
    model: type[P] = contract_for(subject).model  # type: ignore[assignment]
    return EventConsumer(service, subject, handler, sessions, retry, model, partition_key, parallelism)
