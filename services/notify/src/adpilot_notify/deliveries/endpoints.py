"""The delivery log: admins see the org's, everyone else their own; list/filter, one delivery with its attempts,
retry a failed one. Another org's (or, for non-admins, another user's) ids answer 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select, update

from adpilot_common.dependencies import DbSession as Session
from adpilot_common.jobs import JobStatus, wake_runners
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Viewer, org_of
from adpilot_common.security.tokens import AccessClaims, Role
from adpilot_notify.deliveries.repository import BATCHED
from adpilot_notify.deliveries.schemas import AttemptOut, DeliveryDetail, DeliveryList, DeliveryOut
from adpilot_notify.models import Delivery, DeliveryAttempt

router = APIRouter(prefix="/api/notify/deliveries")


def _out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        event_id=d.event_id,
        event_type=d.event_type,
        channel=d.channel,
        destination=d.destination,
        endpoint_id=d.endpoint_id,
        user_id=d.user_id,
        template=d.template,
        status=d.status,
        attempts=d.attempts,
        last_error=d.error,
        last_status_code=d.last_status_code,
        digest_id=d.digest_id,
        next_attempt_at=d.available_at if d.status == JobStatus.QUEUED.value else None,
        created_at=d.created_at,
        finished_at=d.finished_at,
    )


def _visible(caller: AccessClaims) -> list[Any]:
    conditions: list[Any] = [Delivery.org_id == org_of(caller)]
    if not caller.has_role(Role.ADMIN):
        conditions.append(Delivery.user_id == caller.user_id)
    return conditions


async def _delivery(session: Session, caller: AccessClaims, delivery_id: uuid.UUID) -> Delivery:
    d = await session.scalar(select(Delivery).where(Delivery.id == delivery_id, *_visible(caller)))
    if d is None:
        raise Problem(404, "Delivery not found", f"No delivery {delivery_id} in this organisation.")
    return d


@router.get("")
async def list_deliveries(
    caller: Viewer,
    session: Session,
    status: str | None = None,
    channel: str | None = None,
    event_type: str | None = None,
    endpoint_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,  # beyond: a bigint overflow in SQL, not a page
) -> DeliveryList:
    conditions = _visible(caller)
    if status is not None:
        conditions.append(Delivery.status == status)
    if channel is not None:
        conditions.append(Delivery.channel == channel)
    if event_type is not None:
        conditions.append(Delivery.event_type == event_type)
    if endpoint_id is not None:
        conditions.append(Delivery.endpoint_id == endpoint_id)
    if since is not None:
        conditions.append(Delivery.created_at >= since)
    if until is not None:
        conditions.append(Delivery.created_at < until)
    total = await session.scalar(select(func.count()).select_from(Delivery).where(*conditions))
    rows = await session.scalars(
        select(Delivery)
        .where(*conditions)
        .order_by(Delivery.created_at.desc(), Delivery.id)
        .limit(limit)
        .offset(offset)
    )
    return DeliveryList(items=[_out(d) for d in rows], total=int(total or 0))


@router.get("/{delivery_id}")
async def get_delivery(delivery_id: uuid.UUID, caller: Viewer, session: Session) -> DeliveryDetail:
    d = await _delivery(session, caller, delivery_id)
    attempts = await session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id == d.id)
        .order_by(DeliveryAttempt.attempted_at)
    )
    return DeliveryDetail(
        **_out(d).model_dump(), attempt_log=[AttemptOut.model_validate(a) for a in attempts]
    )


@router.post("/{delivery_id}/retry", status_code=202)
async def retry_delivery(delivery_id: uuid.UUID, caller: Viewer, session: Session) -> DeliveryOut:
    """Send a failed delivery again now, with a fresh retry budget."""
    d = await _delivery(session, caller, delivery_id)
    if d.status != JobStatus.FAILED.value:
        raise Problem(409, "Not failed", f"Only failed deliveries can be retried (this one is {d.status}).")
    if d.digest_id is not None:
        raise Problem(409, "Part of a digest", "Retry the digest delivery instead.")
    await session.execute(
        update(Delivery)
        .where(Delivery.id == d.id)
        .values(
            status=JobStatus.QUEUED.value,
            attempts=0,
            available_at=func.now(),
            retry_from=func.now(),
            finished_at=None,
            error=None,
        )
    )
    if d.template == "digest":  # its entries wait for it again
        await session.execute(
            update(Delivery)
            .where(Delivery.digest_id == d.id, Delivery.status == JobStatus.FAILED.value)
            .values(status=BATCHED, finished_at=None, error=None)
        )
    await wake_runners(session, Delivery.__tablename__)
    await session.refresh(d)
    return _out(d)
