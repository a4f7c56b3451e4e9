"""The ``connectors.sync`` schedule tick: queue a sync of every account that is due, in one statement."""

from __future__ import annotations

from sqlalchemy import func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.jobs import JobStatus, wake_runners
from adpilot_common.logging import get_logger
from adpilot_connectors.context import Connectors
from adpilot_connectors.models import AdAccountRow, ConnectionStatus, PlatformConnection, SyncRun
from adpilot_connectors.platforms.base import Status

log = get_logger(__name__)


async def enqueue_scheduled_syncs(session: AsyncSession, connectors: Connectors, tick: ScheduleTick) -> None:
    """Queue a run for every sync-enabled account whose connection is usable (active, not paused).

    An account with a queued or running sync gets nothing more: the partial unique index
    ``uq_sync_runs_active_account`` turns its insert into a no-op (ON CONFLICT DO NOTHING), so replicas, a
    repeated tick or a manual "sync now" never stack runs. A connection paused for its quota or waiting for the
    user to reconnect is skipped until it recovers, so a broken link never turns into a retry storm."""
    due = (
        select(
            func.gen_random_uuid(),
            AdAccountRow.org_id,
            AdAccountRow.id,
            literal("schedule"),
            literal(JobStatus.QUEUED.value),
        )
        .join(PlatformConnection, PlatformConnection.id == AdAccountRow.connection_id)
        .where(
            AdAccountRow.sync_enabled.is_(True),
            AdAccountRow.is_manager.is_(False),  # a manager account has no campaigns of its own
            AdAccountRow.status != Status.REMOVED.value,
            PlatformConnection.status == ConnectionStatus.ACTIVE,
            or_(PlatformConnection.paused_until.is_(None), PlatformConnection.paused_until <= func.now()),
        )
    )
    queued = (
        await session.execute(
            insert(SyncRun)
            .from_select(["id", "org_id", "account_id", "trigger", "status"], due)
            .on_conflict_do_nothing()
            .returning(SyncRun.id)
        )
    ).all()
    if queued:
        await wake_runners(session, SyncRun.__tablename__)
    log.info("scheduled syncs queued", runs=len(queued), slot=tick.slot_start.isoformat())
