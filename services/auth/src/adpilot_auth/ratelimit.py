"""Rate limits kept in PostgreSQL, so every replica of auth shares them.

Two kinds: :func:`hit` counts requests in fixed windows aligned to the clock (cheap; fine for per-IP request
floods), and :func:`take`/:func:`give_back` keep a moving window of attempts, so at most ``limit`` of them fall in
any ``window_s`` span (what a brute-force limit on a secret needs: a fixed window allows twice the limit across
a boundary). The ``limits`` library has moving windows but no PostgreSQL storage, and auth has no Redis.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.rate_limit import RateLimitAttempt
from adpilot_common.problems import Problem

_HIT = text(
    "INSERT INTO rate_limit_counters (key, window_start, hits) VALUES (:key, :window, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1 RETURNING hits"
)
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_RECENT = text(
    "SELECT at FROM rate_limit_attempts WHERE key = :key AND at > :since ORDER BY at DESC LIMIT :limit"
)


def _too_many(retry_after_s: float) -> Problem:
    return Problem(
        429,
        detail="Too many attempts; try again later.",
        headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))},
    )


async def hit(
    session: AsyncSession, key: str, *, limit: int, window_s: int, now: datetime | None = None
) -> None:
    """Count one attempt; raise 429 (with Retry-After) once ``limit`` attempts fall in the current window."""
    moment = now or datetime.now(UTC)
    start = datetime.fromtimestamp(int(moment.timestamp()) // window_s * window_s, UTC)
    hits = (await session.execute(_HIT, {"key": key, "window": start})).scalar_one()
    if hits > limit:
        raise _too_many(start.timestamp() + window_s - moment.timestamp())


async def take(
    session: AsyncSession, key: str, *, limit: int, window_s: int, now: datetime | None = None
) -> int:
    """Take one of ``key``'s ``limit`` slots in the moving window, or raise 429 (Retry-After: until one frees).

    Take it in its own committed transaction *before* checking the attempt, and :func:`give_back` the returned
    slot if the attempt must not count: concurrent attempts, on any replica, then cannot overrun the limit.
    A refused attempt takes nothing, so hammering does not push the window further out.
    """
    moment = now or datetime.now(UTC)
    window = timedelta(seconds=window_s)
    await session.execute(_LOCK, {"key": f"ratelimit:{key}"})  # one taker per key at a time, across replicas
    recent = (
        (await session.execute(_RECENT, {"key": key, "since": moment - window, "limit": limit}))
        .scalars()
        .all()
    )
    if len(recent) >= limit:
        raise _too_many((recent[-1] + window - moment).total_seconds())  # when the oldest of them ages out
    slot = await session.execute(
        insert(RateLimitAttempt).values(key=key, at=moment).returning(RateLimitAttempt.id)
    )
    return slot.scalar_one()


async def give_back(session: AsyncSession, slot: int) -> None:
    """The attempt that took ``slot`` does not count after all (it succeeded)."""
    await session.execute(delete(RateLimitAttempt).where(RateLimitAttempt.id == slot))
