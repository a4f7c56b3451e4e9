"""The events linking stages in the outbox: audit entries for auth's audit log and token health changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.audit import AuditActor, audit_event
from adpilot_common.events.contracts.connector import ConnectionHealthChanged
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_connectors.linking.health import Health
from adpilot_connectors.models import PlatformConnection

SOURCE = "connectors"
REASON_MAX = 500


async def audit(
    session: AsyncSession,
    action: str,
    connection: PlatformConnection,
    *,
    actor_user_id: uuid.UUID | None,
    changes: dict[str, Any],
    ip: str | None = None,
    user_agent: str | None = None,
) -> None:
    event = audit_event(
        action,
        source=SOURCE,
        org_id=connection.org_id,
        actor=AuditActor(actor_user_id, ip, user_agent),
        resource_type="platform_connection",
        resource_id=connection.id,
        changes=changes,
    )
    await add_to_outbox(session, event)


async def health_changed(
    session: AsyncSession, connection: PlatformConnection, health: Health, reason: str | None = None
) -> None:
    payload = ConnectionHealthChanged(
        connection_id=connection.id,
        platform=connection.platform,  # a PlatformName by construction
        health=health,
        expires_at=connection.token_expires_at,
        reason=reason[:REASON_MAX] if reason else None,
        created_by=connection.created_by,
    )
    await add_to_outbox(
        session,
        build_event("connector.v1.health_changed", payload, source=SOURCE, org_id=connection.org_id),
    )
