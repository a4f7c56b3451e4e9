"""Delivery rows: insert once per (event, channel, destination), attempts, digest members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import JobStatus, wake_runners
from adpilot_notify.models import Delivery, DeliveryAttempt

BATCHED = "batched"  # a digest member waiting for its digest delivery


async def enqueue(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    event_type: str,
    org_id: uuid.UUID | None,
    channel: str,
    destination: str,
    template: str,
    context: dict[str, Any],
    locale: str = "en",
    user_id: uuid.UUID | None = None,
    endpoint_id: uuid.UUID | None = None,
    urgent: bool = False,
    available_at: datetime | None = None,
    status: str = JobStatus.QUEUED.value,
    digest_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Insert a delivery unless this event already has one for this destination; returns the new id or None."""
    values: dict[str, Any] = dict(
        id=uuid.uuid4(),
        event_id=event_id,
        event_type=event_type,
        org_id=org_id,
        user_id=user_id,
        channel=channel,
        destination=destination,
        endpoint_id=endpoint_id,
        template=template,
        locale=locale,
        context=context,
        urgent=urgent,
        status=status,
        digest_id=digest_id,
    )
    if available_at is not None:
        values["available_at"] = available_at
    new_id: uuid.UUID | None = (
        await session.execute(
            insert(Delivery)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_deliveries_event_dest")
            .returning(Delivery.id)
        )
    ).scalar_one_or_none()
    if new_id is not None and status == JobStatus.QUEUED.value:
        await wake_runners(session, Delivery.__tablename__)
    return new_id


async def locked_by_key(
    session: AsyncSession, event_id: uuid.UUID, channel: str, destination: str
) -> Delivery | None:
    found: Delivery | None = await session.scalar(
        select(Delivery)
        .where(
            Delivery.event_id == event_id, Delivery.channel == channel, Delivery.destination == destination
        )
        .with_for_update()
    )
    return found


async def digest_members(session: AsyncSession, digest_id: uuid.UUID) -> list[Delivery]:
    return list(
        (
            await session.scalars(
                select(Delivery)
                .where(Delivery.digest_id == digest_id, Delivery.status == BATCHED)
                .order_by(Delivery.created_at)
                .with_for_update()
            )
        ).all()
    )


async def finish_members(session: AsyncSession, digest_id: uuid.UUID, status: str, error: str | None) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.digest_id == digest_id, Delivery.status == BATCHED)
        .values(status=status, error=error, finished_at=func.now())
    )


async def record_attempt(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    outcome: str,
    *,
    status_code: int | None = None,
    error: str | None = None,
    duration_ms: int = 0,
) -> None:
    session.add(
        DeliveryAttempt(
            id=uuid.uuid4(),
            delivery_id=delivery_id,
            outcome=outcome,
            status_code=status_code,
            error=error[:2000] if error else None,
            duration_ms=duration_ms,
        )
    )
    await session.flush()
