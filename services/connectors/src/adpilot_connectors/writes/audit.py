"""Audit entries of the writes (``audit.v1.requested``, appended to the org's audit log by auth): one for each
job requested or retried, one for each write that reached a platform. Never a token, only what changed."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from adpilot_common.events.contracts.audit import AuditRequested
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.outbox import build_event

SOURCE = "connectors"
SUBJECT = "audit.v1.requested"

# The audit action of a successful item, by operation.
ITEM_ACTIONS = {
    "create_campaign": "ads.campaign_created",
    "create_ad_group": "ads.ad_group_created",
    "create_ad": "ads.ad_created",
    "set_status": "ads.status_changed",
    "set_budget": "ads.budget_changed",
}


def _event(org_id: uuid.UUID, payload: AuditRequested, event_id: uuid.UUID | None = None) -> EventEnvelope:
    return build_event(SUBJECT, payload, source=SOURCE, org_id=org_id, event_id=event_id)


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
    return _event(
        org_id,
        AuditRequested(
            action=action,
            actor_user_id=user_id,
            resource_type="write_job",
            resource_id=str(job_id),
            changes=changes,
            ip=ip,
            user_agent=(user_agent or "")[:512] or None,
        ),
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
    return _event(
        org_id,
        AuditRequested(
            action=ITEM_ACTIONS[operation],
            actor_user_id=actor,
            resource_type=resource_type,
            resource_id=external_id,
            changes=changes,
        ),
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"adpilot:write-job-item:{item_id}"),
    )


def copy_publish_refused(
    *, org_id: uuid.UUID, approved_by: uuid.UUID, copy_id: uuid.UUID, account_id: uuid.UUID, reason: str
) -> EventEnvelope:
    """Approved copy could not become a write job (wrong platform, invalid for it, account gone...)."""
    return _event(
        org_id,
        AuditRequested(
            action="ads.copy_publish_refused",
            actor_user_id=approved_by,
            resource_type="copy",
            resource_id=str(copy_id),
            changes={"account_id": str(account_id), "reason": reason[:500]},
        ),
    )
