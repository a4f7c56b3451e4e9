"""Platform quota pauses, shared by syncs and writes: when a platform says "back off", every replica and every
job using the same quota rests until the platform's hint has passed (``platform_connections.paused_until``).

Which rows share a quota follows :attr:`RateLimited.scope`: a Google developer token and a TikTok or Meta app
quota are app-wide, so every connection of that platform in the org rests (pausing only the login that hit it
would just move the storm; other orgs' rows are never touched); anything else belongs to the one login.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_connectors.models import PlatformConnection
from adpilot_connectors.platforms.base import RateLimited

APP_WIDE_SCOPES = frozenset({"app", "developer_token"})
MAX_PAUSE_S = 24 * 3600.0  # a platform hint beyond a day is treated as a day (Google's can reach ~11 h)
MIN_PAUSE_S = 1.0


async def pause_for_rate_limit(
    session: AsyncSession, connection: PlatformConnection, exc: RateLimited
) -> datetime:
    """Pause the connection (or, for an app-wide quota, every connection of its platform in the org) for the
    platform's ``retry_after_s``, never shortening a longer pause already in place; returns when it may resume."""
    seconds = min(MAX_PAUSE_S, max(MIN_PAUSE_S, exc.retry_after_s))
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    target = (
        (PlatformConnection.org_id == connection.org_id, PlatformConnection.platform == connection.platform)
        if exc.scope in APP_WIDE_SCOPES
        else (PlatformConnection.id == connection.id,)
    )
    await session.execute(
        update(PlatformConnection)
        .where(*target)
        .values(paused_until=func.greatest(func.coalesce(PlatformConnection.paused_until, until), until))
        .execution_options(synchronize_session=False)
    )
    return until


def pause_remaining_s(connection: PlatformConnection, now: datetime | None = None) -> float:
    """Seconds until ``connection.paused_until`` (0 when it is not paused)."""
    if connection.paused_until is None:
        return 0.0
    return max(0.0, (connection.paused_until - (now or datetime.now(UTC))).total_seconds())
