"""Revoked sessions, known to every replica within a second or so (ASVS 7.4.1/7.4.2 with stateless tokens).

An access token stays valid until its ``exp``, so when auth ends a session early it publishes
``session.v1.revoked`` and every replica of every service adds the session id to its :class:`RevocationSet`.
A session id is remembered for the longest access-token lifetime (plus the leeway) after its revocation: by then
every token carrying it has expired and the ``exp`` check refuses it anyway.

:class:`RevocationListener` feeds the set. Every replica needs every revocation, so it cannot share the
service's durable (load-balanced) consumer. Each replica creates its own ephemeral, unacknowledged pull consumer:

* starting at *now - retention* (deliver policy by start time), so a replica that starts or restarts re-learns
  the revocations whose tokens may still be alive; :meth:`RevocationListener.start` waits (bounded) for that
  replay, so a fresh replica does not accept a revoked token in its first moments;
* remembering the last stream sequence it applied; after a disconnect, a nats-server restart or a lost consumer
  it creates a new consumer from the next sequence, so nothing published in between is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from pydantic import ValidationError

from adpilot_common.cancellation import cancel_and_wait
from adpilot_common.events.contracts.session import SessionRevoked
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.streams import stream_for_subject
from adpilot_common.logging import get_logger

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

log = get_logger(__name__)

REVOKED_SUBJECT = "session.v1.revoked"


class RevocationSet:
    """Session ids whose access tokens must be refused: ``is_revoked`` is one dict lookup.

    ``retention_s`` should be the access-token max lifetime plus the verification leeway. Expired entries are
    pruned as new ones arrive (at most every ``prune_every_s``), so memory is bounded by the revocation rate.
    """

    def __init__(
        self,
        retention_s: float = 905.0,
        *,
        prune_every_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.retention_s = retention_s
        self.prune_every_s = prune_every_s
        self._clock = clock
        self._until: dict[uuid.UUID, float] = {}
        self._next_prune = 0.0

    def revoke(self, session_id: uuid.UUID, revoked_at: datetime | None = None) -> bool:
        """Remember ``session_id`` until ``revoked_at + retention_s``; False if that moment has already passed."""
        now = self._clock()
        until = (revoked_at.timestamp() if revoked_at is not None else now) + self.retention_s
        self._maybe_prune(now)
        if until <= now:
            return False
        if until > self._until.get(session_id, 0.0):
            self._until[session_id] = until
        return True

    def is_revoked(self, session_id: uuid.UUID) -> bool:
        return session_id in self._until

    def prune(self) -> int:
        """Forget sessions whose tokens have all expired; returns how many were dropped."""
        now = self._clock()
        expired = [sid for sid, until in self._until.items() if until <= now]
        for sid in expired:
            del self._until[sid]
        self._next_prune = now + self.prune_every_s
        return len(expired)

    def _maybe_prune(self, now: float) -> None:
        if now >= self._next_prune:
            self.prune()

    def __len__(self) -> int:
        return len(self._until)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._until


class RevocationListener:
    """Keeps a :class:`RevocationSet` up to date from ``session.v1.revoked`` on this replica.

    ``start(nc)`` with a connected client (``runtime.broker.connection``) that reconnects by itself; ``stop()``
    at shutdown. ``replay_s`` defaults to the set's retention.
    """

    def __init__(
        self,
        revocations: RevocationSet,
        *,
        subject: str = REVOKED_SUBJECT,
        replay_s: float | None = None,
        fetch_timeout_s: float = 2.0,
        batch_size: int = 256,
        catch_up_timeout_s: float = 5.0,
        max_retry_delay_s: float = 2.0,
    ) -> None:
        self.revocations = revocations
        self.subject = subject
        self.stream = stream_for_subject(subject).name
        self.replay_s = revocations.retention_s if replay_s is None else replay_s
        self.fetch_timeout_s = fetch_timeout_s
        self.batch_size = batch_size
        self.catch_up_timeout_s = catch_up_timeout_s
        self.max_retry_delay_s = max_retry_delay_s
        self.last_sequence: int | None = None
        self.resubscriptions = 0
        self._caught_up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._consumer: str | None = None
        self._nc: NatsClient | None = None

    @property
    def caught_up(self) -> bool:
        """True once the start-time replay has been applied."""
        return self._caught_up.is_set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self, nc: NatsClient) -> None:
        """Start listening; waits up to ``catch_up_timeout_s`` for the replay of recent revocations."""
        if self._task is not None:
            raise RuntimeError("revocation listener already started")
        self._nc = nc
        self._task = asyncio.get_running_loop().create_task(self._run(nc), name="revocation-listener")
        try:
            await asyncio.wait_for(self._caught_up.wait(), self.catch_up_timeout_s)
        except TimeoutError:
            log.warning(
                "revocation replay not finished at start; continuing", timeout_s=self.catch_up_timeout_s
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        nc, self._nc = self._nc, None
        if nc is not None and self._consumer is not None and nc.is_connected:
            with contextlib.suppress(Exception):  # best effort: the server drops it when inactive anyway
                await nc.jetstream(timeout=1.0).delete_consumer(self.stream, self._consumer)
        self._consumer = None

    async def _run(self, nc: NatsClient) -> None:
        js = nc.jetstream()
        failures = 0
        while not nc.is_closed:
            sub: JetStreamContext.PullSubscription | None = None
            try:
                sub = await self._subscribe(js)
                failures = 0
                await self._consume(nc, sub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if not nc.is_closed:
                    log.warning(
                        "revocation listener interrupted; resubscribing",
                        error=repr(exc),
                        resume_after_seq=self.last_sequence,
                        attempt=failures,
                    )
            finally:
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
            self.resubscriptions += 1
            await asyncio.sleep(min(self.max_retry_delay_s, 0.2 * 2 ** min(failures, 8)))
        log.info("revocation listener stopped: NATS connection closed")

    async def _subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        config = ConsumerConfig(
            description="revocation listener (one per replica)",
            ack_policy=AckPolicy.NONE,
            filter_subject=self.subject,
            inactive_threshold=max(30.0, 3 * self.fetch_timeout_s),
            mem_storage=True,
            num_replicas=1,
        )
        resume = self.last_sequence
        if resume is not None and (await js.stream_info(self.stream)).state.last_seq < resume:
            log.warning(
                "stream restarted its sequence; replaying by time", stream=self.stream, last_seen=resume
            )
            resume = None
        if resume is not None:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = resume + 1
        else:
            config.deliver_policy = DeliverPolicy.BY_START_TIME
            config.opt_start_time = datetime.now(UTC) - timedelta(seconds=self.replay_s)
        sub = await js.pull_subscribe(self.subject, stream=self.stream, config=config)
        self._consumer = config.name
        if (await sub.consumer_info()).num_pending == 0:
            self._caught_up.set()
        return sub

    async def _consume(self, nc: NatsClient, sub: JetStreamContext.PullSubscription) -> None:
        reconnects = nc.stats["reconnects"]
        heartbeat = self.fetch_timeout_s / 4
        while True:
            try:
                messages = await sub.fetch(self.batch_size, timeout=self.fetch_timeout_s, heartbeat=heartbeat)
            except FetchTimeoutError:  # the server sent heartbeats: the consumer is alive, nothing new
                messages = []
            except TimeoutError:  # silence: make sure the consumer still exists (raises if not)
                await sub.consumer_info()
                messages = []
            for message in messages:
                self._apply(message)
            if not messages or messages[-1].metadata.num_pending == 0:
                self._caught_up.set()
            if nc.stats["reconnects"] != reconnects:
                # After a reconnect (maybe to a restarted server) the consumer may be gone: start a fresh one
                # from the next sequence rather than wait for a fetch to time out.
                raise ConnectionResetError("NATS reconnected")

    def _apply(self, message: Msg) -> None:
        sequence = message.metadata.sequence.stream
        self.last_sequence = max(sequence, self.last_sequence or 0)
        try:
            event = SessionRevoked.model_validate(EventEnvelope.from_bytes(message.data).data)
        except (ValidationError, ValueError) as exc:
            log.warning("malformed session.v1.revoked skipped", stream_seq=sequence, error=repr(exc))
            return
        if self.revocations.revoke(event.session_id, event.revoked_at):
            log.info(
                "session revoked", session_id=str(event.session_id), reason=event.reason, stream_seq=sequence
            )
