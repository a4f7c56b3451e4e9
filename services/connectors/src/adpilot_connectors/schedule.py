"""The connectors' recurring jobs and what each schedule tick does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.logging import get_logger
from adpilot_common.scheduling import ScheduledJob
from adpilot_connectors.context import Connectors

log = get_logger(__name__)

SYNC_JOB = "connectors.sync"
TOKEN_CHECK_JOB = "connectors.token_check"  # noqa: S105 - a job name

TickWork = Callable[[AsyncSession, Connectors, ScheduleTick], Awaitable[None]]


def scheduled_jobs(connectors: Connectors) -> list[ScheduledJob]:
    s = connectors.settings
    return [
        ScheduledJob(SYNC_JOB, s.sync_interval_s),
        ScheduledJob(TOKEN_CHECK_JOB, s.token_check_interval_s),
    ]


def tick_handler(
    connectors: Connectors, work: dict[str, TickWork]
) -> Callable[[AsyncSession, EventEnvelope, ScheduleTick], Awaitable[None]]:
    """One durable consumer of ``schedule.v1.tick`` per service: run this service's job, ignore the others'."""

    async def on_tick(session: AsyncSession, event: EventEnvelope, tick: ScheduleTick) -> None:
        job = work.get(tick.job)
        if job is None:
            return
        log.info("schedule tick", job=tick.job, slot=tick.slot_start.isoformat())
        await job(session, connectors, tick)

    return on_tick
