"""Appending to the audit log, in the caller's transaction (an action and its audit row commit together)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.audit import AuditEntry


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_agent: str | None
    # The caller's active org: user-level actions (MFA, password) are filed there, so the org's admins see them.
    org_id: uuid.UUID | None = None

    def in_org(self, org_id: uuid.UUID | None) -> RequestContext:
        return RequestContext(self.ip, self.user_agent, org_id)


async def record(
    session: AsyncSession,
    action: str,
    *,
    context: RequestContext | None = None,
    actor_user_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    changes: dict[str, Any] | None = None,
    source: str = "auth",
    occurred_at: datetime | None = None,
) -> None:
    """``occurred_at``: when another service's action happened (its event's time); by default now."""
    entry = AuditEntry(
        action=action,
        actor_user_id=actor_user_id,
        org_id=org_id if org_id is not None else (context.org_id if context else None),
        resource_type=resource_type,
        resource_id=resource_id,
        changes=changes,
        ip=context.ip if context else None,
        user_agent=(context.user_agent or "")[:512] if context else None,
        source=source,
    )
    if occurred_at is not None:  # otherwise the column's default (now()); an explicit None would be NULL
        entry.occurred_at = occurred_at
    session.add(entry)
