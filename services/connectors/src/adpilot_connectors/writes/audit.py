"""Audit entries of the writes (``audit.v1.requested``, appended to the org's audit log by auth): one for each
job requested or retried, one for each write that reached a platform. Never a token, only what changed."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from adpilot_common.audit import AuditActor, audit_event
from adpilot_common.events.envelope import EventEnvelope

SOURCE = "connectors"

# The audit action of a successful item, by operation.
ITEM_ACTIONS = {
    "create_campaign": "ads.campaign_created",
    "create_ad_group": "ads.ad_group_created",
    "create_ad": "ads.ad_created",
    "set_status": "ads.status_changed",
    "set_budget": "ads.budget_changed",
}


def job_requested(
    *,
    action: str,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    job_id: uuid.UUID,
    account_id: uuid.UUID,
    platform: str,
    validate_only: bool,
    operations: Sequence[str],
    ip: str | None,
    user_agent: str | None,
) -> EventEnvelope:
    """A job was created (or failed items of it were queued again): counts per operation, not the copy."""
    changes: dict[str, Any] = {
        "account_id": str(account_id),
        "platform": platform,
        "validate_only": validate_only,
        "items": len(operations),
        "operations": dict(Counter(operations)),
    }
    return audit_event(
        action,
        source=SOURCE,
        org_id=org_id,
        actor=AuditActor(user_id, ip, user_agent),
        resource_type="write_job",
        resource_id=job_id,
        changes=changes,
    )


def item_written(
    *,
    org_id: uuid.UUID,
    actor: uuid.UUID,
    item_id: uuid.UUID,
    operation: str,
    resource_type: str,
    external_id: str,
    changes: dict[str, Any],
) -> EventEnvelope:
    """One write the platform accepted. The event id derives from the item, so the entry exists once."""
    return audit_event(
        ITEM_ACTIONS[operation],
        source=SOURCE,
        org_id=org_id,
        actor=AuditActor(actor),
        resource_type=resource_type,
        resource_id=external_id,
        changes=changes,
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"adpilot:write-job-item:{item_id}"),
    )


def copy_publish_refused(
    *, org_id: uuid.UUID, approved_by: uuid.UUID, copy_id: uuid.UUID, account_id: uuid.UUID, reason: str
) -> EventEnvelope:
    """Approved copy could not become a write job (wrong platform, invalid for it, account gone...)."""
    return audit_event(
        "ads.copy_publish_refused",
        source=SOURCE,
        org_id=org_id,
        actor=AuditActor(approved_by),
        resource_type="copy",
        resource_id=copy_id,
        changes={"account_id": str(account_id), "reason": reason[:500]},
    )
