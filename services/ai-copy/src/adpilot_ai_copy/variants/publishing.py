"""The publish state of approved copy: ``queued`` when approved with a target, then ``published`` (with the
platform's ad id) or ``failed`` (with connectors' reason) as ``connector.v1.copy_published`` /
``copy_publish_failed`` report it. Handlers run inside the consumer's inbox transaction, so a redelivered
outcome changes nothing.

Only the outcome of the variant's latest approval counts (``approval_id`` is that ``copy.v1.approved`` event's
id): after a re-approval with a corrected target, a late outcome of the earlier one is ignored. ``published`` is
final: the ad exists, whatever else is reported for that approval."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.models import CopyVariant
from adpilot_ai_copy.variants import repository
from adpilot_common.events.contracts.connector import CopyPublished, CopyPublishFailed
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.logging import get_logger
from adpilot_common.messaging.consumer import PermanentError

log = get_logger(__name__)

QUEUED, PUBLISHED, FAILED = "queued", "published", "failed"


def queue(variant: CopyVariant, approval_id: uuid.UUID | None) -> None:
    """A new approval: ``queued`` for connectors when it names a target (``approval_id``), else nothing."""
    variant.publish_state = QUEUED if approval_id else None
    variant.publish_approval_id = approval_id
    variant.publish_job_id = variant.published_ad_id = variant.publish_error = None
    variant.publish_updated_at = func.now() if approval_id else None


async def _current(
    session: AsyncSession, event: EventEnvelope, copy_id: uuid.UUID, approval_id: uuid.UUID
) -> CopyVariant | None:
    """The variant, locked, when the outcome answers its latest approval and it is not published yet."""
    if event.org_id is None:
        raise PermanentError(f"{event.type} without org_id: copy variants are org-scoped")
    found = await repository.get(session, event.org_id, copy_id, for_update=True)
    variant = found[0] if found else None
    if variant is None or variant.publish_approval_id != approval_id or variant.publish_state == PUBLISHED:
        log.info("publish outcome ignored: not the variant's latest approval", type=event.type,
                 copy_id=str(copy_id), approval_id=str(approval_id))  # fmt: skip
        return None
    return variant


async def on_copy_published(session: AsyncSession, event: EventEnvelope, payload: CopyPublished) -> None:
    variant = await _current(session, event, payload.copy_id, payload.approval_id)
    if variant is None:
        return
    variant.publish_state = PUBLISHED
    variant.publish_job_id = payload.job_id
    variant.published_ad_id = payload.ad_id
    variant.publish_error = None
    variant.publish_updated_at = event.occurred_at


async def on_copy_publish_failed(
    session: AsyncSession, event: EventEnvelope, payload: CopyPublishFailed
) -> None:
    variant = await _current(session, event, payload.copy_id, payload.approval_id)
    if variant is None:
        return
    variant.publish_state = FAILED
    variant.publish_job_id = payload.job_id
    variant.publish_error = payload.reason
    variant.publish_updated_at = event.occurred_at
