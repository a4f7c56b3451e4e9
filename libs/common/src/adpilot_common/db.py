"""Async SQLAlchemy engine/session helpers and the eventing tables (outbox, inbox) every service carries."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, LargeBinary, MetaData, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class EventingBase(DeclarativeBase):
    """Metadata for the outbox/inbox tables; each service's own models use their own base."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OutboxMessage(EventingBase):
    """An event written in the same transaction as the state change it announces."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_pending", "created_at", postgresql_where=text("published_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProcessedMessage(EventingBase):
    """Inbox: one row per (consumer, event) already applied; makes redelivery a no-op."""

    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConsumerFailure(EventingBase):
    """Failed handler attempts per (consumer, event). Dead-lettering counts these, not server deliveries: a
    delivery that never reached the handler must not use up one of the message's attempts."""

    __tablename__ = "consumer_failures"

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def json_for_postgres(value: object) -> str:
    """JSON/JSONB parameters as UTF-8 text rather than ``\\uXXXX`` escapes: shorter for non-Latin text, and an
    unpaired surrogate a client sent then fails to encode in the driver (``UnicodeEncodeError``), which
    :func:`adpilot_common.problems.unstorable_text` recognises in any server locale, instead of reaching
    PostgreSQL as an escape it refuses with a message in the server's language."""
    return json.dumps(value, ensure_ascii=False)


def create_engine(database_url: str, pool_size: int = 20) -> AsyncEngine:
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        json_serializer=json_for_postgres,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency body: one transaction per request, committed by the scope, never by services."""
    async with factory() as session, session.begin():
        yield session


@asynccontextmanager
async def one_off_session(database_url: str) -> AsyncIterator[AsyncSession]:
    """One transaction on a one-connection engine, disposed afterwards: for operator commands
    (``python -m adpilot_<service>.cli …``), which run once and exit."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


def asyncpg_dsn(database_url: str) -> str:
    """The plain libpq-style DSN asyncpg wants, from a SQLAlchemy URL."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def service_metadata() -> MetaData:
    """A fresh MetaData with the shared naming convention, for one service's own models."""
    return MetaData(naming_convention=NAMING_CONVENTION)
