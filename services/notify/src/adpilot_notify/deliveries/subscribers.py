"""Event → pending deliveries. Sending happens in the channel workers (issue: notify channels)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.events.envelope import EventEnvelope
from adpilot_notify.deliveries.repository import DeliveryRepository
from adpilot_notify.models.delivery import Delivery


async def on_user_registered(session: AsyncSession, event: EventEnvelope, payload: UserRegistered) -> None:
    await DeliveryRepository(session).enqueue(
        Delivery(
            id=uuid.uuid4(),
            event_id=event.id,
            event_type=event.type,
            org_id=event.org_id,
            channel="email",
            destination=str(payload.email),
            template="verify_email",
        )
    )
