"""Monthly fact partitions made ahead of time (at start and by the daily ``metrics.partitions`` tick), so
ingestion rarely has to create one (which locks the parent table until its transaction commits). Ingestion
still creates any month a batch needs, and rows of a month with no partition would land in the default one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_metrics.ingestion.repository import FactRepository

MONTHS_AHEAD = 3


def month_start(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


async def ensure_partitions_ahead(session: AsyncSession, today: date) -> None:
    """The current month and the next ``MONTHS_AHEAD`` exist (at start, and on the daily tick)."""
    await FactRepository(session).ensure_partitions(month_start(today), month_start(today, MONTHS_AHEAD))


async def create_partitions_ahead(sessions: async_sessionmaker[AsyncSession], today: date) -> None:
    async with sessions() as session, session.begin():
        await ensure_partitions_ahead(session, today)


def partitions_ahead_hook(sessions: async_sessionmaker[AsyncSession] | None) -> Callable[[], Awaitable[None]]:
    """Start hook of the service: the current month and the next ``MONTHS_AHEAD`` exist."""

    async def hook() -> None:
        if sessions is not None:
            await create_partitions_ahead(sessions, datetime.now(UTC).date())

    return hook
