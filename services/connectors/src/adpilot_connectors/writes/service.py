"""Creating, reading and retrying write jobs (the runner in :mod:`.runner` does the writing)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import JobStatus, wake_runners
from adpilot_common.messaging.outbox import add_to_outbox
from adpilot_common.problems import Problem
from adpilot_connectors.accounts.repository import account_in_org
from adpilot_connectors.context import Connectors
from adpilot_connectors.models import (
    AdAccountRow,
    ConnectionStatus,
    PlatformConnection,
    WriteJob,
    WriteJobItem,
)
from adpilot_connectors.platforms.base import ErrorKind, Platform
from adpilot_connectors.writes import audit, repository
from adpilot_connectors.writes.repository import FAILED, PENDING, SUCCEEDED
from adpilot_connectors.writes.schemas import (
    DEPENDENCY_FAILED,
    Progress,
    WriteJobDetail,
    WriteJobItemOut,
    WriteJobOut,
    WriteJobRequest,
)
from adpilot_connectors.writes.validation import parse_operations

# Failures worth sending again: the platform never refused the item itself. Reconnect-required items only
# once the connection works again.
RETRYABLE = frozenset(
    {
        ErrorKind.RATE_LIMITED.value,
        ErrorKind.TRANSIENT.value,
        ErrorKind.RECONNECT_REQUIRED.value,
        DEPENDENCY_FAILED,
    }
)


@dataclass(frozen=True)
class RequestInfo:
    """Who asked, from where (for the audit log): a signed-in caller, or the approver of an event's copy."""

    org_id: uuid.UUID
    user_id: uuid.UUID
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class CopyOrigin:
    """The approved copy (``copy.v1.approved``) a job publishes."""

    copy_id: uuid.UUID
    approval_id: uuid.UUID  # the approval event's id


async def create_job(
    session: AsyncSession,
    connectors: Connectors,
    who: RequestInfo,
    account_id: uuid.UUID,
    body: WriteJobRequest,
    *,
    copy: CopyOrigin | None = None,
) -> WriteJobOut:
    """Validate every operation, then store the job and its items in the caller's transaction (all or nothing).
    ``copy``: the approved copy the job publishes (its end is then reported to ai-copy)."""
    account = await account_in_org(session, who.org_id, account_id)
    platform = Platform(account.platform)
    connection = await session.get(PlatformConnection, account.connection_id)
    if not connectors.clients.is_available(platform):
        raise Problem(409, "Platform not configured", f"Writing to {platform.value} is not configured here.")
    if connection is None or connection.status == ConnectionStatus.RECONNECT_REQUIRED:
        raise Problem(
            409,
            "Reconnect required",
            "The account's platform connection must be linked again before writing.",
        )
    operations, bad = parse_operations(body.operations, platform, connectors.settings)
    if bad:
        raise Problem(
            422,
            "Invalid operations",
            f"{len(bad)} of {len(body.operations)} operations are invalid; nothing was written.",
            errors=[b.as_dict() for b in bad],
        )
    job = WriteJob(
        org_id=who.org_id,
        account_id=account.id,
        created_by=who.user_id,
        validate_only=body.validate_only,
        total=len(operations),
        status=JobStatus.QUEUED.value,
        copy_id=copy.copy_id if copy else None,
        copy_approval_id=copy.approval_id if copy else None,
    )
    session.add(job)
    await session.flush()
    await repository.add_items(
        session, job.id, [op.model_dump(mode="json", exclude_none=True) for op in operations]
    )
    await add_to_outbox(
        session,
        audit.job_requested(
            action="connector.write_job_created",
            org_id=who.org_id,
            user_id=who.user_id,
            job_id=job.id,
            account_id=account.id,
            platform=platform.value,
            validate_only=body.validate_only,
            operations=[op.op for op in operations],
            ip=who.ip,
            user_agent=who.user_agent,
        ),
    )
    await wake_runners(session, WriteJob.__tablename__)
    await session.flush()
    await session.refresh(job)
    return job_out(job, platform.value)


async def retry_job(session: AsyncSession, who: RequestInfo, job_id: uuid.UUID) -> WriteJobOut:
    """Queue the job again with its retryable failed items back to pending (409 if running or none)."""
    job, platform = await repository.job_in_org(session, who.org_id, job_id, for_update=True)
    if not JobStatus(job.status).finished:
        raise Problem(409, "Write job still running", "Retry failed items once the job has finished.")
    account = await session.get(AdAccountRow, job.account_id)
    connection = await session.get(PlatformConnection, account.connection_id) if account else None
    connected = connection is not None and connection.status != ConnectionStatus.RECONNECT_REQUIRED
    items = await repository.items_of(session, job.id)
    positions = retryable_positions(items, reconnected=connected)
    leftover = [i.position for i in items if i.status == PENDING]  # a job the runner gave up on
    if not positions and not leftover:
        detail = "No failed item of this job can be retried"
        if not connected and any(i.error_kind == ErrorKind.RECONNECT_REQUIRED.value for i in items):
            detail += " until the platform connection is linked again"
        raise Problem(409, "Nothing to retry", detail + ".")
    await repository.reopen_items(session, job.id, positions)
    n = await repository.counts(session, job.id)
    job.status = JobStatus.QUEUED.value
    job.available_at = func.now()
    job.finished_at = job.lease_expires_at = job.leased_by = job.error = None
    job.attempts = 0  # a fresh budget of runner attempts for the retry
    job.succeeded, job.failed = n[SUCCEEDED], n[FAILED]
    await add_to_outbox(
        session,
        audit.job_requested(
            action="connector.write_job_retried",
            org_id=who.org_id,
            user_id=who.user_id,
            job_id=job.id,
            account_id=job.account_id,
            platform=platform,
            validate_only=job.validate_only,
            operations=[i.operation for i in items if i.position in set(positions)],
            ip=who.ip,
            user_agent=who.user_agent,
        ),
    )
    await wake_runners(session, WriteJob.__tablename__)
    await session.flush()
    await session.refresh(job)
    return job_out(job, platform)


def retryable_positions(items: list[WriteJobItem], *, reconnected: bool) -> list[int]:
    """Failed items of a retryable kind that were not created (an item with an id exists on the platform:
    sending it again would duplicate it); a dependency failure only when its parent will exist."""
    by_position = {i.position: i for i in items}
    chosen: list[int] = []
    for item in items:  # position order: a parent is decided before its children
        if item.status != FAILED or item.external_id is not None or item.error_kind not in RETRYABLE:
            continue
        if item.error_kind == ErrorKind.RECONNECT_REQUIRED.value and not reconnected:
            continue
        if item.error_kind == DEPENDENCY_FAILED:
            ref = _parent_ref(item)
            parent = by_position.get(ref) if ref is not None else None
            if parent is None or (parent.status != SUCCEEDED and parent.position not in chosen):
                continue
        chosen.append(item.position)
    return chosen


def _parent_ref(item: WriteJobItem) -> int | None:
    for key in ("campaign_ref", "ad_group_ref", "ref"):
        value = item.payload.get(key)
        if isinstance(value, int):
            return value
    return None


def job_out(job: WriteJob, platform: str) -> WriteJobOut:
    return WriteJobOut(**_job_fields(job, platform))


def job_detail(job: WriteJob, platform: str, items: list[WriteJobItem]) -> WriteJobDetail:
    fields = _job_fields(job, platform)
    # Progress from the items themselves: the same snapshot as the results listed below.
    done = {status: sum(i.status == status for i in items) for status in (SUCCEEDED, FAILED, PENDING)}
    fields["progress"] = Progress(
        total=len(items), succeeded=done[SUCCEEDED], failed=done[FAILED], pending=done[PENDING]
    )
    return WriteJobDetail(
        **fields,
        items=[
            WriteJobItemOut(
                position=i.position,
                op=i.operation,
                status=i.status,
                external_id=i.external_id,
                error=i.error,
                error_kind=i.error_kind,
                attempts=i.attempts,
                operation=i.payload,
            )
            for i in items
        ],
    )


def _job_fields(job: WriteJob, platform: str) -> dict[str, object]:
    pending = max(0, job.total - job.succeeded - job.failed)
    return {
        "id": job.id,
        "account_id": job.account_id,
        "platform": platform,
        "status": job.status,
        "validate_only": job.validate_only,
        "created_by": job.created_by,
        "queued_at": job.queued_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "next_attempt_at": job.available_at if job.status == JobStatus.QUEUED.value else None,
        "error": job.error,
        "progress": Progress(total=job.total, succeeded=job.succeeded, failed=job.failed, pending=pending),
    }
