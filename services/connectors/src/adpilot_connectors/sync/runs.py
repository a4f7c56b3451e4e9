"""Bookkeeping of one sync run: what it syncs, and its outcome (run row, account state and event in one commit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.connector import SyncCompleted, SyncFailed, SyncTrigger
from adpilot_common.jobs import JobLease, JobStatus, finish_job, update_job
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_connectors.context import Connectors
from adpilot_connectors.linking.refresh import mark_reconnect_required
from adpilot_connectors.models import AdAccountRow, PlatformConnection, SyncRun
from adpilot_connectors.platforms.base import Platform, RateLimited
from adpilot_connectors.quota import pause_for_rate_limit
from adpilot_connectors.sync.errors import SyncFailure
from adpilot_connectors.sync.metrics import MetricsWindow
from adpilot_connectors.sync.structure import StructureChanges
from adpilot_connectors.sync.target import SOURCE, SyncTarget


@dataclass(frozen=True)
class LoadedRun:
    target: SyncTarget
    connection: PlatformConnection  # as loaded with the run (its quota pause; tokens come from linking)


async def load_target(session: AsyncSession, connectors: Connectors, run_id: uuid.UUID) -> SyncTarget | None:
    loaded = await load_run(session, connectors, run_id)
    return loaded.target if loaded is not None else None


async def load_run(session: AsyncSession, connectors: Connectors, run_id: uuid.UUID) -> LoadedRun | None:
    row = (
        await session.execute(
            select(SyncRun, AdAccountRow, PlatformConnection)
            .join(AdAccountRow, AdAccountRow.id == SyncRun.account_id)
            .join(PlatformConnection, PlatformConnection.id == AdAccountRow.connection_id)
            .where(SyncRun.id == run_id)
        )
    ).first()
    if row is None:
        return None
    run, account, connection = row
    platform = Platform(account.platform)
    target = SyncTarget(
        run_id=run.id,
        org_id=run.org_id,
        trigger=run.trigger,
        account_id=account.id,
        external_account_id=account.external_id,
        account_name=account.name,
        platform=platform,
        currency=account.currency,
        time_zone=account.time_zone,
        lookback_days=(
            account.lookback_days
            if account.lookback_days is not None
            else connectors.clients.lookback_days(platform)
        ),
        synced_through=account.metrics_synced_through,
        connection_id=connection.id,
        metrics_from=run.metrics_from,
        metrics_to=run.metrics_to,
    )
    return LoadedRun(target, connection)


async def record_structure(
    session: AsyncSession, lease: JobLease, changes: StructureChanges, window: MetricsWindow
) -> None:
    """Count the campaign changes on the run (retries add to it) and keep its metrics window for retries."""
    await update_job(
        session,
        SyncRun,
        lease,
        campaigns_created=SyncRun.campaigns_created + changes.campaigns_created,
        campaigns_updated=SyncRun.campaigns_updated + changes.campaigns_updated,
        metrics_from=window.start,
        metrics_to=window.end,
    )


async def complete(session: AsyncSession, target: SyncTarget, lease: JobLease, cursor: date | None) -> None:
    """Succeed the run in the caller's (last) transaction: advance the cursor to ``cursor``, publish the result."""
    # now(): the transaction's timestamp, the same instant finish_job writes as finished_at.
    run = (
        await session.execute(
            select(
                SyncRun.started_at,
                SyncRun.metrics_from,
                SyncRun.metrics_to,
                SyncRun.metric_rows,
                SyncRun.campaigns_created,
                SyncRun.campaigns_updated,
                func.now().label("now"),
            ).where(SyncRun.id == target.run_id)
        )
    ).one()
    now: datetime = run.now
    await finish_job(session, SyncRun, target.run_id, JobStatus.SUCCEEDED, lease=lease)
    values: dict[str, object] = {"last_sync_status": JobStatus.SUCCEEDED.value, "last_sync_at": now}
    if cursor is not None:
        # Never backwards: a run planned before a clock or time zone change must not undo a later one.
        values["metrics_synced_through"] = func.greatest(
            func.coalesce(AdAccountRow.metrics_synced_through, cursor), cursor
        )
    await session.execute(update(AdAccountRow).where(AdAccountRow.id == target.account_id).values(**values))
    assert run.started_at is not None
    event = SyncCompleted(
        run_id=target.run_id,
        account_id=target.account_id,
        platform=target.platform.value,
        external_account_id=target.external_account_id,
        trigger=_trigger(target.trigger),
        started_at=run.started_at,
        finished_at=now,
        metrics_from=run.metrics_from,
        metrics_to=run.metrics_to,
        metric_rows=run.metric_rows,
        campaigns_created=run.campaigns_created,
        campaigns_updated=run.campaigns_updated,
    )
    await add_to_outbox(
        session, build_event("connector.v1.sync_completed", event, source=SOURCE, org_id=target.org_id)
    )


async def fail(
    session: AsyncSession,
    target: SyncTarget,
    failure: SyncFailure,
    *,
    lease: JobLease | None,
) -> None:
    """Fail the run in the caller's transaction: the cursor stays, the connection is paused or flagged as the
    failure demands, and ``connector.v1.sync_failed`` says why. ``lease`` None: the runner already failed it."""
    now = await _now(session)
    if lease is not None:
        await finish_job(
            session,
            SyncRun,
            target.run_id,
            JobStatus.FAILED,
            failure.message,
            lease=lease,
            error_kind=failure.kind,
        )
    else:
        await session.execute(
            update(SyncRun).where(SyncRun.id == target.run_id).values(error_kind=failure.kind)
        )
    retry_after: datetime | None = None
    if failure.kind == "rate_limited":
        connection = await session.get(PlatformConnection, target.connection_id)
        assert connection is not None  # the run's account cascades with it
        quota = RateLimited(
            failure.message, retry_after_s=failure.retry_after_s or 60.0, scope=failure.scope or ""
        )
        retry_after = await pause_for_rate_limit(session, connection, quota)
    elif failure.kind == "reconnect_required":
        await mark_reconnect_required(session, target.connection_id, failure.message)  # idempotent
    await session.execute(
        update(AdAccountRow)
        .where(AdAccountRow.id == target.account_id)
        .values(last_sync_status=JobStatus.FAILED.value, last_sync_at=now)
    )
    event = SyncFailed(
        run_id=target.run_id,
        account_id=target.account_id,
        platform=target.platform.value,
        external_account_id=target.external_account_id,
        trigger=_trigger(target.trigger),
        error_kind=failure.kind,
        error=failure.message,
        retry_after=retry_after,
    )
    await add_to_outbox(
        session, build_event("connector.v1.sync_failed", event, source=SOURCE, org_id=target.org_id)
    )


async def _now(session: AsyncSession) -> datetime:
    """The transaction's timestamp: the same instant ``finish_job`` writes as ``finished_at``."""
    now: datetime = (await session.execute(select(func.now()))).scalar_one()
    return now


def _trigger(value: str) -> SyncTrigger:
    return "manual" if value == "manual" else "schedule"
