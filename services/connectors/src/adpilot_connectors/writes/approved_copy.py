"""``copy.v1.approved`` → a write job that creates the ad, PAUSED, in the ad group the approval named.

The job is the same one ``POST /accounts/{id}/write-jobs`` makes (validated against the platform's rules,
audited, retried, visible in the write-job API), requested in the approver's name. Approved copy without a
target (account, ad group and landing page) is only stored by ai-copy: nothing to publish. A refusal (copy of
another platform, copy the platform would reject, account gone or disconnected) is written to the org's audit
log instead of retrying a request that cannot succeed.

ai-copy learns how it ended (:mod:`.copy_outcome`): a refusal is reported here, in the transaction writing
its audit entry; the job's end by the runner, in the transaction recording it (the job keeps the copy's id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.copy import CopyApproved
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.logging import get_logger
from adpilot_common.messaging.consumer import PermanentError
from adpilot_common.messaging.outbox import add_to_outbox
from adpilot_common.problems import Problem
from adpilot_connectors.accounts.repository import account_in_org
from adpilot_connectors.context import Connectors
from adpilot_connectors.platforms.base import Platform
from adpilot_connectors.writes import audit, copy_outcome
from adpilot_connectors.writes.schemas import WriteJobRequest
from adpilot_connectors.writes.service import CopyOrigin, RequestInfo, create_job

log = get_logger(__name__)

SUBJECT = "copy.v1.approved"
# Which accounts can take copy written for a platform: the sandbox takes Google's ad format.
ACCEPTS: dict[str, frozenset[Platform]] = {
    "google": frozenset({Platform.GOOGLE, Platform.SANDBOX}),
    "meta": frozenset({Platform.META}),
    "tiktok": frozenset({Platform.TIKTOK}),
}

Handler = Callable[[AsyncSession, EventEnvelope, CopyApproved], Awaitable[None]]


def create_ad_operation(approved: CopyApproved) -> dict[str, Any]:
    return {
        "op": "create_ad",
        "ad_group_id": approved.ad_group_id,
        "name": approved.name,
        "final_url": approved.final_url,
        "headlines": approved.headlines,
        "descriptions": approved.descriptions,
        "path1": approved.path1,
        "path2": approved.path2,
        "status": "PAUSED",  # a person turns it on in the platform or AdPilot, never the approval itself
    }


def approved_copy_handler(connectors: Connectors) -> Handler:
    async def on_copy_approved(session: AsyncSession, event: EventEnvelope, approved: CopyApproved) -> None:
        if event.org_id is None:
            raise PermanentError("copy.v1.approved without org_id")
        if approved.account_id is None or approved.ad_group_id is None or approved.final_url is None:
            log.info(
                "approved copy names no target ad group: nothing to publish", copy_id=str(approved.copy_id)
            )
            return
        who = RequestInfo(org_id=event.org_id, user_id=approved.approved_by)
        try:
            async with session.begin_nested():  # a refusal rolls back only what the attempt wrote
                account = await account_in_org(session, event.org_id, approved.account_id)
                if Platform(account.platform) not in ACCEPTS[approved.platform]:
                    raise Problem(
                        422,
                        "Wrong platform",
                        f"Copy written for {approved.platform} cannot be published to a {account.platform} account.",
                    )
                request = WriteJobRequest.model_validate({"operations": [create_ad_operation(approved)]})
                origin = CopyOrigin(copy_id=approved.copy_id, approval_id=event.id)
                job = await create_job(session, connectors, who, approved.account_id, request, copy=origin)
        except (Problem, ValidationError) as refusal:
            reason = _reason(refusal)
            log.warning("approved copy not published", copy_id=str(approved.copy_id), reason=reason)
            await add_to_outbox(
                session,
                audit.copy_publish_refused(
                    org_id=event.org_id,
                    approved_by=approved.approved_by,
                    copy_id=approved.copy_id,
                    account_id=approved.account_id,
                    reason=reason,
                ),
            )
            refused = copy_outcome.failed(
                org_id=event.org_id,
                copy_id=approved.copy_id,
                approval_id=event.id,
                account_id=approved.account_id,
                job_id=None,
                reason=reason,
            )
            await add_to_outbox(session, refused)
            return
        log.info("approved copy queued for publishing", copy_id=str(approved.copy_id), job_id=str(job.id))

    return on_copy_approved


def _reason(refusal: Problem | ValidationError) -> str:
    """Why the copy cannot be published, for the approver: no field paths or request internals."""
    if isinstance(refusal, ValidationError):
        return copy_outcome.clip(
            "The copy cannot be sent as an ad: " + "; ".join(e["msg"] for e in refusal.errors())
        )
    problems = [p for e in refusal.extensions.get("errors", []) for p in _problems_of(e)]
    if problems:  # the operation broke the platform's rules
        return copy_outcome.clip("The platform's rules refuse this copy: " + "; ".join(problems) + ".")
    return copy_outcome.clip(refusal.detail or refusal.title)


def _problems_of(error: object) -> list[str]:
    if isinstance(error, dict):
        return [str(p) for p in error.get("problems", [])]
    return [str(error)]
