"""Fixed-window rate limits kept in PostgreSQL, so every replica of auth shares them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.problems import Problem

_HIT = text(
    "INSERT INTO rate_limit_counters (key, window_start, hits) VALUES (:key, :window, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1 RETURNING hits"
)


async def hit(
    session: AsyncSession, key: str, *, limit: int, window_s: int, now: datetime | None = None
) -> None:
    """Count one attempt; raise 429 (with Retry-After) once ``limit`` attempts fall in the current window."""
    moment = now or datetime.now(UTC)
    start = datetime.fromtimestamp(int(moment.timestamp()) // window_s * window_s, UTC)
    hits = (await session.execute(_HIT, {"key": key, "window": start})).scalar_one()
    if hits > limit:
        retry_after = max(1, int(start.timestamp()) + window_s - int(moment.timestamp()))
        raise Problem(
            429, detail="Too many attempts; try again later.", headers={"Retry-After": str(retry_after)}
        )
