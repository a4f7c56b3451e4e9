"""The metrics service's recurring jobs: its ticker publishes ``schedule.v1.tick`` for them, and its consumer
of the tick runs the one whose tick it is (ingestion also evaluates alerts, right after each merged batch)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.logging import get_logger
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.scheduling import TICK_SUBJECT, ScheduledJob, Ticker
from adpilot_metrics.budgets.evaluation import evaluate_all
from adpilot_metrics.config import Settings
from adpilot_metrics.ingestion.partitions import ensure_partitions_ahead
from adpilot_metrics.reports.schedules import delete_expired_reports, queue_scheduled_reports

log = get_logger(__name__)

ALERTS_JOB = "metrics.alerts"
REPORTS_JOB = "metrics.reports"
PARTITIONS_JOB = "metrics.partitions"
HOURLY_S = 3600
DAILY_S = 86400
SCHEDULED_JOBS = (
    ScheduledJob(ALERTS_JOB, HOURLY_S),
    ScheduledJob(REPORTS_JOB, HOURLY_S),
    ScheduledJob(PARTITIONS_JOB, DAILY_S),  # next months' fact partitions, made ahead
)

TickWork = Callable[[AsyncSession, ScheduleTick], Awaitable[None]]


def tick_work(settings: Settings) -> dict[str, TickWork]:
    """What each job does. The slot start is its "now", so a tick handled late still does its own slot."""

    async def alerts(session: AsyncSession, tick: ScheduleTick) -> None:
        fired = await evaluate_all(session, tick.slot_start)
        log.info("alert rules evaluated", slot=tick.slot_start.isoformat(), fired=fired)

    async def reports(session: AsyncSession, tick: ScheduleTick) -> None:
        queued = await queue_scheduled_reports(session, tick.slot_start)
        expired = await delete_expired_reports(session, tick.slot_start, settings.report_retention_days)
        log.info("scheduled reports", slot=tick.slot_start.isoformat(), queued=queued, expired=expired)

    async def partitions(session: AsyncSession, tick: ScheduleTick) -> None:
        await ensure_partitions_ahead(session, tick.slot_start.date())

    return {ALERTS_JOB: alerts, REPORTS_JOB: reports, PARTITIONS_JOB: partitions}


def install_schedule(runtime: ServiceRuntime, settings: Settings) -> None:
    """Consume the ticks (other services' jobs share the subject: ignored) and run the ticker."""
    work = tick_work(settings)

    async def on_tick(session: AsyncSession, event: EventEnvelope, tick: ScheduleTick) -> None:
        job = work.get(tick.job)
        if job is not None:
            await job(session, tick)

    runtime.consume(TICK_SUBJECT, on_tick)
    ticker: Ticker | None = None

    async def start() -> None:
        nonlocal ticker
        ticker = Ticker(
            runtime.broker.connection.jetstream(),
            list(SCHEDULED_JOBS),
            source="metrics",
        )
        await ticker.start()

    async def stop() -> None:
        if ticker is not None:
            await ticker.stop()

    runtime.in_background(start, stop)
