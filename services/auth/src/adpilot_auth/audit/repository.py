from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.audit import AuditEntry


async def page(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    limit: int,
    before_id: int | None = None,
    action: str | None = None,
    actor_user_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """Newest first, keyset-paginated on id (stable while new rows arrive)."""
    query = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if action is not None:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_user_id)
    if since is not None:
        query = query.where(AuditEntry.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEntry.occurred_at < until)
    return list((await session.execute(query.order_by(AuditEntry.id.desc()).limit(limit))).scalars())


async def purge_older_than(session: AsyncSession, days: int) -> int:
    """Retention: the only way rows leave the append-only table (see migration 0002)."""
    return int(
        (
            await session.execute(text("SELECT purge_audit_log(make_interval(days => :d))"), {"d": days})
        ).scalar_one()
    )
