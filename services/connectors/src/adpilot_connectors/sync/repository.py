"""Sync runs as the API reads and queues them (org-scoped: another org's run is reported as not found)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import ACTIVE_STATUSES, JobStatus
from adpilot_common.problems import Problem
from adpilot_connectors.models import SyncRun


async def queue_run(
    session: AsyncSession, org_id: uuid.UUID, account_id: uuid.UUID, requested_by: uuid.UUID
) -> SyncRun | None:
    """Insert a queued manual run; None when the account already has a queued or running one."""
    inserted: SyncRun | None = (
        await session.scalars(
            insert(SyncRun)
            .values(
                id=uuid.uuid4(),
                org_id=org_id,
                account_id=account_id,
                trigger="manual",
                requested_by=requested_by,
                status=JobStatus.QUEUED.value,
            )
            .on_conflict_do_nothing()
            .returning(SyncRun)
        )
    ).one_or_none()
    return inserted


async def active_run(session: AsyncSession, account_id: uuid.UUID) -> SyncRun | None:
    run: SyncRun | None = (
        await session.scalars(
            select(SyncRun).where(SyncRun.account_id == account_id, SyncRun.status.in_(ACTIVE_STATUSES))
        )
    ).one_or_none()
    return run


async def runs_of_account(session: AsyncSession, account_id: uuid.UUID, limit: int) -> list[SyncRun]:
    return list(
        await session.scalars(
            select(SyncRun)
            .where(SyncRun.account_id == account_id)
            .order_by(SyncRun.queued_at.desc(), SyncRun.id.desc())
            .limit(limit)
        )
    )


async def run_in_org(session: AsyncSession, org_id: uuid.UUID, run_id: uuid.UUID) -> SyncRun:
    run: SyncRun | None = (
        await session.scalars(select(SyncRun).where(SyncRun.id == run_id, SyncRun.org_id == org_id))
    ).one_or_none()
    if run is None:
        raise Problem(404, "Unknown sync run", "No such sync run in this organisation.")
    return run
