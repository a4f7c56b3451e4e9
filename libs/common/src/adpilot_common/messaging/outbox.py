"""Writing events into the transactional outbox (the relay publishes them)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.db import OutboxMessage
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.registry import contract_for
from adpilot_common.logging import current_correlation_id
from adpilot_common.telemetry import current_traceparent

OUTBOX_CHANNEL = "adpilot_outbox"


def build_event(
    subject: str,
    data: BaseModel,
    *,
    source: str,
    org_id: uuid.UUID | None = None,
    correlation_id: str | None = None,
    event_id: uuid.UUID | None = None,
) -> EventEnvelope:
    """Validate ``data`` against the registered contract and wrap it in an envelope.

    ``event_id`` makes the id deterministic (e.g. ``uuid5`` of a schedule slot), so every producer of the "same"
    event yields one stream message (``Nats-Msg-Id``) and one inbox entry per consumer."""
    contract = contract_for(subject)
    if not isinstance(data, contract.model):
        raise TypeError(f"{subject} carries {contract.model.__name__}, got {type(data).__name__}")
    payload: dict[str, Any] = data.model_dump(mode="json")
    return EventEnvelope(
        id=event_id or uuid.uuid4(),
        type=subject,
        source=source,
        org_id=org_id,
        correlation_id=correlation_id or current_correlation_id(),
        traceparent=current_traceparent(),
        data=payload,
    )


async def add_to_outbox(session: AsyncSession, *events: EventEnvelope) -> None:
    """Stage events in the caller's transaction; they exist only if that transaction commits."""
    if not events:
        return
    await session.execute(
        insert(OutboxMessage),
        [{"id": e.id, "subject": e.type, "payload": e.to_bytes()} for e in events],
    )
    # Delivered to the relay's LISTEN only on commit, so it wakes exactly when rows become visible.
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": OUTBOX_CHANNEL})
