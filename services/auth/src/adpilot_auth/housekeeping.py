"""Periodic clean-up: audit retention, spent rate-limit windows, used or expired one-time tokens.

Every replica may run it; each statement is idempotent, so overlapping runs are harmless.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_auth.audit.repository import purge_older_than
from adpilot_common.cancellation import cancel_and_wait
from adpilot_common.logging import get_logger

log = get_logger(__name__)


_DELETE_STALE = {
    "rate_limit_windows": text(
        "WITH gone AS (DELETE FROM rate_limit_counters WHERE window_start < now() - interval '1 day' RETURNING 1) "
        "SELECT count(*) FROM gone"
    ),
    "rate_limit_attempts": text(
        "WITH gone AS (DELETE FROM rate_limit_attempts WHERE at < now() - interval '1 day' RETURNING 1) "
        "SELECT count(*) FROM gone"
    ),
    "one_time_tokens": text(
        "WITH gone AS (DELETE FROM one_time_tokens WHERE expires_at < now() - interval '7 days' RETURNING 1) "
        "SELECT count(*) FROM gone"
    ),
}


async def run_once(sessions: async_sessionmaker[AsyncSession], audit_retention_days: int) -> dict[str, int]:
    async with sessions() as session, session.begin():
        counts = {"audit_rows": await purge_older_than(session, audit_retention_days)}
        for name, statement in _DELETE_STALE.items():
            counts[name] = int((await session.execute(statement)).scalar_one())
    log.info("housekeeping done", **counts)
    return counts


class Housekeeper:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, retention_days: int, interval_s: float
    ) -> None:
        self._sessions = sessions
        self._retention_days = retention_days
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            try:
                await run_once(self._sessions, self._retention_days)
            except Exception as exc:  # the database may be briefly away; try again next round
                log.warning("housekeeping failed", error=repr(exc))
            await asyncio.sleep(self._interval_s)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="auth-housekeeping")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
