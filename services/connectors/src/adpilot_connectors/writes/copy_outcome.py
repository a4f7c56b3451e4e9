"""How publishing approved copy ended, told back to ai-copy: ``connector.v1.copy_published`` (with the new ad's
id) or ``connector.v1.copy_publish_failed`` (with a reason the approver can act on). Staged in the transaction
that records the job's end or the refusal, so the outcome is reported exactly when it is recorded.

Reasons are written for a person: the platform's own message where it says what to fix (an unknown ad group, a
policy), a fixed sentence otherwise. Never an exception's text from our side (it may carry SQL, parameters or a
traceback)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.connector import CopyPublished, CopyPublishFailed
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.jobs import ACTIVE_STATUSES
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_connectors.models import AdAccountRow, WriteJob, WriteJobItem
from adpilot_connectors.platforms.base import ErrorKind
from adpilot_connectors.writes.repository import SUCCEEDED, items_of

SOURCE = "connectors"
PUBLISHED = "connector.v1.copy_published"
PUBLISH_FAILED = "connector.v1.copy_publish_failed"
MAX_REASON = 500
GAVE_UP = "AdPilot could not finish creating the ad after several attempts. Try again in a few minutes."
UNLINKED = (
    "The account's platform connection was removed before the ad was created. If AdPilot was creating it at "
    "that moment, check the ad group on the platform before trying again."
)
_FIXED_REASONS = {
    ErrorKind.RATE_LIMITED.value: "The platform's request limit was reached before the ad was created. "
    "Try again later.",
    ErrorKind.TRANSIENT.value: "The platform was unavailable, so the ad may not have been created. "
    "Check the ad group on the platform before trying again.",
    ErrorKind.RECONNECT_REQUIRED.value: "The account's platform connection must be linked again "
    "(Accounts page) before the ad can be created.",
}
_PREFIXES = {ErrorKind.POLICY.value: "The platform's ad policies refused the ad"}
_NOT_ATTEMPTED = re.compile(r"^not attempted:\s*")


def human_reason(error_kind: str | None, error: str | None) -> str:
    """What went wrong with a failed ``create_ad`` item, for the person who approved the copy."""
    fixed = _FIXED_REASONS.get(error_kind or "")
    if fixed is not None:
        return fixed
    message = _NOT_ATTEMPTED.sub("", " ".join((error or "").split()))  # one line: platform messages only
    prefix = _PREFIXES.get(error_kind or "", "The platform refused the ad")
    return clip(f"{prefix}: {message}" if message else f"{prefix}.")


def clip(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def failed(
    *,
    org_id: uuid.UUID,
    copy_id: uuid.UUID,
    approval_id: uuid.UUID,
    account_id: uuid.UUID,
    job_id: uuid.UUID | None,
    reason: str,
) -> EventEnvelope:
    data = CopyPublishFailed(
        copy_id=copy_id, approval_id=approval_id, account_id=account_id, job_id=job_id, reason=clip(reason)
    )
    return build_event(PUBLISH_FAILED, data, source=SOURCE, org_id=org_id)


async def stage_job_outcome(session: AsyncSession, job: WriteJob, *, gave_up: bool = False) -> None:
    """Stage the outcome of a finished job that published approved copy (nothing for other jobs). Its one
    ``create_ad`` item is read in the caller's transaction, so the event matches what is being recorded."""
    if job.copy_id is None or job.copy_approval_id is None:
        return
    [item] = await items_of(session, job.id)
    if item.status == SUCCEEDED and item.external_id:
        data = CopyPublished(
            copy_id=job.copy_id,
            approval_id=job.copy_approval_id,
            account_id=job.account_id,
            job_id=job.id,
            ad_group_id=str(item.payload.get("ad_group_id")),
            ad_id=item.external_id,
        )
        await add_to_outbox(session, build_event(PUBLISHED, data, source=SOURCE, org_id=job.org_id))
        return
    await add_to_outbox(session, _job_failed(job, GAVE_UP if gave_up else _item_reason(item)))


def _item_reason(item: WriteJobItem) -> str:
    return human_reason(item.error_kind, item.error)


def _job_failed(job: WriteJob, reason: str) -> EventEnvelope:
    assert job.copy_id is not None and job.copy_approval_id is not None
    return failed(
        org_id=job.org_id,
        copy_id=job.copy_id,
        approval_id=job.copy_approval_id,
        account_id=job.account_id,
        job_id=job.id,
        reason=reason,
    )


async def stage_unlinked(session: AsyncSession, connection_id: uuid.UUID) -> int:
    """Report every unfinished copy-publishing job of a connection about to be removed (its jobs cascade away
    with its accounts) as failed, so no variant stays "Publishing…" for ever; returns how many.

    The jobs are locked first: a runner finishing one meanwhile either committed before (the job is no longer
    active, and it reported the outcome itself) or finds the job gone and rolls back (``LeaseLost``), so each
    copy gets exactly one outcome."""
    jobs = (
        await session.scalars(
            select(WriteJob)
            .join(AdAccountRow, AdAccountRow.id == WriteJob.account_id)
            .where(
                AdAccountRow.connection_id == connection_id,
                WriteJob.copy_id.is_not(None),
                WriteJob.status.in_(ACTIVE_STATUSES),
            )
            .with_for_update(of=WriteJob)
        )
    ).all()
    for job in jobs:
        await add_to_outbox(session, _job_failed(job, UNLINKED))
    return len(jobs)
