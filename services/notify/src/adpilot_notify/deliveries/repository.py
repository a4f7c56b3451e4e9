from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_notify.models.delivery import Delivery


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(self, delivery: Delivery) -> bool:
        result = await self._session.execute(
            insert(Delivery)
            .values(
                id=delivery.id,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                org_id=delivery.org_id,
                channel=delivery.channel,
                destination=delivery.destination,
                template=delivery.template,
                status="pending",
                attempts=0,
            )
            .on_conflict_do_nothing(constraint="uq_deliveries_event_dest")
            .returning(Delivery.id)
        )
        return result.first() is not None

    async def count_for_event(self, event_id: uuid.UUID) -> int:
        result = await self._session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.event_id == event_id)
        )
        return int(result.scalar_one())
