"""What a running service holds: DB engine, NATS broker, outbox relay and its event consumers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from faststream.nats import NatsBroker
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adpilot_common.db import asyncpg_dsn, create_engine, create_session_factory
from adpilot_common.logging import get_logger
from adpilot_common.messaging.broker import create_broker, ensure_streams
from adpilot_common.messaging.consumer import (
    EventConsumer,
    Handler,
    PartitionKey,
    RetryPolicy,
    event_consumer,
)
from adpilot_common.messaging.relay import OutboxRelay
from adpilot_common.settings import BaseServiceSettings, ServiceRole

P = TypeVar("P", bound=BaseModel)
log = get_logger(__name__)


class ServiceRuntime:
    def __init__(self, settings: BaseServiceSettings, *, uses_database: bool = True) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.engine: AsyncEngine | None = (
            create_engine(settings.database_url, settings.database_pool_size) if uses_database else None
        )
        self.sessions: async_sessionmaker[AsyncSession] | None = (
            create_session_factory(self.engine) if self.engine is not None else None
        )
        self.broker: NatsBroker = create_broker(settings)
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer[BaseModel]] = []
        self._on_start: list[Callable[[], Awaitable[None]]] = []
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        self._readiness_checks: dict[str, Callable[[], str]] = {}

    @property
    def serves_api(self) -> bool:
        """Whether this process answers the service's HTTP API (the ops endpoints answer in every role)."""
        return self.settings.role is not ServiceRole.WORKER

    @property
    def does_work(self) -> bool:
        """Whether this process consumes events and runs the service's background work."""
        return self.settings.role is not ServiceRole.API

    @property
    def retry_policy(self) -> RetryPolicy:
        s = self.settings
        return RetryPolicy(
            max_deliver=s.consumer_max_deliver,
            delays_s=tuple(s.consumer_retry_delays_s),
            ack_wait_s=s.consumer_ack_wait_s,
        )

    def consume(
        self, subject: str, handler: Handler[P], *, partition_key: PartitionKey[P] | None = None
    ) -> EventConsumer[P]:
        """Register an idempotent durable consumer of ``subject`` for this service. With ``partition_key``,
        events of different keys are applied in parallel (``consumer_parallelism`` transactions per batch)."""
        if self.sessions is None:
            raise RuntimeError(f"{self.service} has no database, so it cannot run inbox-guarded consumers")
        consumer = event_consumer(
            self.service,
            subject,
            handler,
            self.sessions,
            self.retry_policy,
            partition_key=partition_key,
            parallelism=self.settings.consumer_parallelism,
        )
        if self.does_work:  # an api process never subscribes: its durable consumer is the workers'
            consumer.register(self.broker, batch_size=self.settings.consumer_batch_size)
            self.consumers.append(consumer)  # type: ignore[arg-type]
        return consumer

    def on_start(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run at start in every role (what the API needs too: signing keys, the token guard's listeners)."""
        self._on_start.append(hook)

    def on_stop(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._on_stop.append(hook)

    def in_background(
        self, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Background work (job runners, the schedule ticker, housekeeping): started and stopped only in a
        process that does work (role ``all`` or ``worker``)."""
        if self.does_work:
            self.on_start(start)
            if stop is not None:
                self.on_stop(stop)

    def add_readiness_check(self, name: str, check: Callable[[], str]) -> None:
        """An extra ``/readyz`` check: ``check()`` returns ``"ok"`` or a short reason (never raises, no I/O)."""
        self._readiness_checks[name] = check

    async def start(self) -> None:
        await self.broker.connect()
        await ensure_streams(self.broker.connection.jetstream(), self.settings.nats_stream_replicas)
        await self.broker.start()
        if self.sessions is not None:
            self.relay = OutboxRelay(
                self.sessions,
                self.broker.connection.jetstream(),
                listen_dsn=asyncpg_dsn(self.settings.database_url),
                batch_size=self.settings.outbox_batch_size,
                poll_interval_s=self.settings.outbox_poll_interval_s,
                service=self.service,
            )
            self.relay.start()
        for hook in self._on_start:
            await hook()
        log.info("service started", role=self.settings.role.value, consumers=[c.name for c in self.consumers])

    async def stop(self) -> None:
        """SIGTERM path: stop relaying and the service's own background work, let in-flight handlers finish and
        ack, then close connections. Stop hooks run before the broker drains: a listener still subscribing on
        a draining connection would keep the drain (and the process) from ever finishing."""
        if self.relay is not None:
            await self.relay.stop()
        for hook in reversed(self._on_stop):
            await hook()
        await self.broker.stop()
        if self.engine is not None:
            await self.engine.dispose()
        log.info("service stopped")

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        if self.engine is not None:
            try:
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                checks["database"] = "ok"
            except Exception as exc:
                checks["database"] = f"error: {type(exc).__name__}"
        try:
            connected = self.broker._connection is not None and self.broker.connection.is_connected
        except Exception:
            connected = False
        checks["nats"] = "ok" if connected else "error: disconnected"
        for name, check in self._readiness_checks.items():
            checks[name] = check()
        return checks
