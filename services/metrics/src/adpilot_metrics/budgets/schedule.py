"""The hourly alert check: this service's ticker publishes ``schedule.v1.tick`` for "metrics.alerts" and its
consumer of the tick evaluates every enabled rule (ingestion also evaluates, right after each merged batch)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.logging import get_logger
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.scheduling import TICK_SUBJECT, ScheduledJob, Ticker
from adpilot_metrics.budgets.evaluation import evaluate_all

log = get_logger(__name__)

ALERTS_JOB = "metrics.alerts"
ALERTS_INTERVAL_S = 3600


async def on_tick(session: AsyncSession, event: EventEnvelope, tick: ScheduleTick) -> None:
    """Other services' jobs share the subject: ignore them. The slot start is the evaluation time, so a tick
    handled late still judges the period it belongs to."""
    if tick.job != ALERTS_JOB:
        return
    fired = await evaluate_all(session, tick.slot_start)
    log.info("alert rules evaluated", slot=tick.slot_start.isoformat(), fired=fired)


def install_alert_schedule(runtime: ServiceRuntime) -> None:
    """Consume the ticks and run the ticker for the service's lifetime."""
    runtime.consume(TICK_SUBJECT, on_tick)
    ticker: Ticker | None = None

    async def start() -> None:
        nonlocal ticker
        ticker = Ticker(
            runtime.broker.connection.jetstream(),
            [ScheduledJob(ALERTS_JOB, ALERTS_INTERVAL_S)],
            source="metrics",
        )
        await ticker.start()

    async def stop() -> None:
        if ticker is not None:
            await ticker.stop()

    runtime.on_start(start)
    runtime.on_stop(stop)
