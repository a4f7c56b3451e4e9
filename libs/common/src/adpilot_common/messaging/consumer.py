"""Durable, idempotent JetStream consumers with explicit acks, delayed retries and a dead-letter stream.

FastStream's defaults are wrong for us (its default ack policy terminates a message whose handler raised; NACK_ON_ERROR
redelivers in a hot loop). Every handler registered here runs with ``AckPolicy.MANUAL`` and this policy:

* the effect and the inbox row commit in one DB transaction, then the message is acked;
* an already-processed event id is acked without running the effect again;
* a malformed message or :class:`PermanentError` goes to the dead-letter stream at once;
* any other exception is retried with ``nak(delay)`` following the configured delays, and on the
  ``max_deliver``-th failed attempt the message is dead-lettered (with its error) and terminated.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.registry import contract_for
from adpilot_common.events.streams import stream_for_subject
from adpilot_common.logging import correlation_scope, get_logger
from adpilot_common.messaging.inbox import claim_event

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = get_logger(__name__)

# Failures of our own infrastructure (database down, network) say nothing about the message: they are retried
# with back-off for as long as it takes and never dead-letter it. Only handler failures count towards max_deliver.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError, TimeoutError)

P = TypeVar("P", bound=BaseModel)
Handler = Callable[["AsyncSession", EventEnvelope, P], Awaitable[None]]


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


@dataclass
class EventConsumer(Generic[P]):
    """One subscription: ``service`` consumes ``subject`` and applies ``handler`` to each event."""

    service: str
    subject: str
    handler: Handler[P]
    sessions: async_sessionmaker[AsyncSession]
    retry: RetryPolicy
    payload_model: type[P]
    _broker: NatsBroker | None = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        return durable_name(self.service, self.subject)

    async def on_message(self, msg: NatsMessage) -> None:
        raw = msg.raw_message
        attempt = raw.metadata.num_delivered or 1
        try:
            envelope = EventEnvelope.from_bytes(raw.data)
            payload = self.payload_model.model_validate(envelope.data)
        except (ValidationError, ValueError) as exc:
            await self._safe_dead_letter(msg, attempt, "malformed", exc)
            return
        with correlation_scope(envelope.correlation_id, event_id=str(envelope.id), subject=envelope.type):
            try:
                async with self.sessions() as session, session.begin():
                    if await claim_event(session, self.name, envelope.id):
                        await self.handler(session, envelope, payload)
                    else:
                        log.info("duplicate event skipped", consumer=self.name)
            except PermanentError as exc:
                await self._safe_dead_letter(msg, attempt, "permanent_error", exc)
                return
            except Exception as exc:
                if attempt >= self.retry.max_deliver and not _is_infrastructure_error(exc):
                    await self._safe_dead_letter(msg, attempt, "max_deliveries", exc)
                    return
                delay = self.retry.delay_after(attempt)
                log.warning("handler failed, retrying", consumer=self.name, attempt=attempt, delay_s=delay,
                            error=repr(exc))
                await msg.nack(delay=delay)
                return
        await msg.ack()

    async def _dead_letter(self, msg: NatsMessage, attempt: int, reason: str, exc: BaseException) -> None:
        raw = msg.raw_message
        record = DeadLetter(
            consumer=self.name,
            subject=raw.subject,
            stream=raw.metadata.stream,
            stream_seq=raw.metadata.sequence.stream,
            deliveries=attempt,
            reason=reason,
            error=f"{type(exc).__name__}: {exc}",
            traceback="".join(traceback.format_exception(exc))[-4000:],
            payload=raw.data.decode("utf-8", errors="replace"),
            failed_at=datetime.now(UTC),
        )
        assert self._broker is not None, "register() the consumer before it handles messages"
        await self._broker.connection.jetstream().publish(
            dead_letter_subject(self.name),
            record.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"dlq:{self.name}:{record.stream_seq}"},
        )
        log.error("event dead-lettered", consumer=self.name, reason=reason, stream_seq=record.stream_seq,
                  deliveries=attempt, error=record.error)
        await msg.reject()  # +TERM: no more redeliveries for this consumer

    async def _safe_dead_letter(self, msg: NatsMessage, attempt: int, reason: str, exc: BaseException) -> None:
        try:
            await self._dead_letter(msg, attempt, reason, exc)
        except Exception as publish_error:  # NATS trouble: the redelivery will try again
            log.warning("dead-letter publish failed", consumer=self.name, error=repr(publish_error))
            await msg.nack(delay=self.retry.delay_after(attempt))

    def register(self, broker: NatsBroker, *, batch_size: int = 32) -> None:
        self._broker = broker
        stream = stream_for_subject(self.subject)
        broker.subscriber(
            self.subject,
            stream=JStream(stream.name, declare=False),
            durable=self.name,
            pull_sub=PullSub(batch_size=batch_size, timeout=2.0),
            config=ConsumerConfig(
                durable_name=self.name,
                ack_policy=JsAckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.retry.ack_wait_s,
                # Unlimited on the server: the policy above decides when to dead-letter (see INFRASTRUCTURE_ERRORS).
                max_deliver=-1,
                max_ack_pending=10_000,
                filter_subject=self.subject,
            ),
            ack_policy=AckPolicy.MANUAL,
        )(self.on_message)


def _is_infrastructure_error(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, INFRASTRUCTURE_ERRORS)


class DeadLetter(BaseModel):
    """What lands on ``deadletter.<consumer>``: enough to diagnose and replay."""

    consumer: str
    subject: str
    stream: str
    stream_seq: int
    deliveries: int
    reason: str
    error: str
    traceback: str
    payload: str
    failed_at: datetime

    def envelope_json(self) -> Any:
        return json.loads(self.payload)


def event_consumer(
    service: str,
    subject: str,
    handler: Handler[P],
    sessions: async_sessionmaker[AsyncSession],
    retry: RetryPolicy,
) -> EventConsumer[P]:
    model: type[P] = contract_for(subject).model  # type: ignore[assignment]
    return EventConsumer(service, subject, handler, sessions, retry, model)
