"""Idempotent-consumer guard: record the event id in the same transaction as the effect."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.db import ProcessedMessage


async def claim_event(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """True the first time ``consumer`` sees ``event_id``; False for a redelivery (skip the effect)."""
    result = await session.execute(
        insert(ProcessedMessage)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(ProcessedMessage.event_id)
    )
    return result.first() is not None
