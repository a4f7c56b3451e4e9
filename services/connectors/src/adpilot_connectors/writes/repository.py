"""SQL of the write jobs. Every lookup by id is org-scoped: another org's job is reported as missing (404)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.problems import Problem
from adpilot_connectors.models import AdAccountRow, WriteJob, WriteJobItem

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


def _jobs_with_platform() -> Select[tuple[WriteJob, str]]:
    return select(WriteJob, AdAccountRow.platform).join(AdAccountRow, AdAccountRow.id == WriteJob.account_id)


async def job_in_org(
    session: AsyncSession, org_id: uuid.UUID, job_id: uuid.UUID, *, for_update: bool = False
) -> tuple[WriteJob, str]:
    """The job and its account's platform."""
    query = _jobs_with_platform().where(WriteJob.id == job_id, WriteJob.org_id == org_id)
    if for_update:
        query = query.with_for_update(of=WriteJob)
    row = (await session.execute(query)).first()
    if row is None:
        raise Problem(404, "Unknown write job", "No such write job in this organisation.")
    return row[0], row[1]


async def list_jobs(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    account_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[WriteJob, str]], int]:
    """Newest first."""
    conditions: list[Any] = [WriteJob.org_id == org_id]
    if account_id is not None:
        conditions.append(WriteJob.account_id == account_id)
    if status is not None:
        conditions.append(WriteJob.status == status)
    total = (
        await session.execute(select(func.count()).select_from(WriteJob).where(*conditions))
    ).scalar_one()
    rows = await session.execute(
        _jobs_with_platform()
        .where(*conditions)
        .order_by(WriteJob.queued_at.desc(), WriteJob.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(job, platform) for job, platform in rows.tuples()], int(total)


async def items_of(session: AsyncSession, job_id: uuid.UUID) -> list[WriteJobItem]:
    rows = await session.execute(
        select(WriteJobItem).where(WriteJobItem.job_id == job_id).order_by(WriteJobItem.position)
    )
    return list(rows.scalars())


async def add_items(session: AsyncSession, job_id: uuid.UUID, operations: Sequence[dict[str, Any]]) -> None:
    await session.execute(
        insert(WriteJobItem),
        [
            {"id": uuid.uuid4(), "job_id": job_id, "position": i, "operation": op["op"], "payload": op}
            for i, op in enumerate(operations)
        ],
    )


async def reopen_items(session: AsyncSession, job_id: uuid.UUID, positions: Sequence[int]) -> None:
    """Failed items back to pending (their attempts count stays: the history of the item)."""
    await session.execute(
        update(WriteJobItem)
        .where(WriteJobItem.job_id == job_id, WriteJobItem.position.in_(positions))
        .values(status=PENDING, error=None, error_kind=None, updated_at=func.now())
    )


async def counts(session: AsyncSession, job_id: uuid.UUID) -> dict[str, int]:
    rows = await session.execute(
        select(WriteJobItem.status, func.count())
        .where(WriteJobItem.job_id == job_id)
        .group_by(WriteJobItem.status)
    )
    found = {status: int(n) for status, n in rows.tuples()}
    return {key: found.get(key, 0) for key in (PENDING, SUCCEEDED, FAILED)}
