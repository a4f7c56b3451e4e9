"""Audit entries from other services (``audit.v1.requested``), appended once per event (inbox-guarded)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.audit.service import RequestContext, record
from adpilot_common.events.contracts.audit import AuditRequested
from adpilot_common.events.envelope import EventEnvelope


async def on_audit_requested(session: AsyncSession, event: EventEnvelope, payload: AuditRequested) -> None:
    await record(
        session,
        payload.action,
        context=RequestContext(ip=payload.ip, user_agent=payload.user_agent),
        actor_user_id=payload.actor_user_id,
        org_id=event.org_id,
        resource_type=payload.resource_type,
        resource_id=payload.resource_id,
        changes=payload.changes,
        source=event.source[:32],
        # Stamped with when it happened, not when this consumer got to it (retries, lag, replays).
        occurred_at=event.occurred_at,
    )
