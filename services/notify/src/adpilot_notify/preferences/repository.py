"""Who wants an org event, where: subscriptions joined to verified destinations and the user's preferences."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_notify.models import Destination, Preference, Subscription


@dataclass(frozen=True)
class Recipient:
    user_id: uuid.UUID
    channel: str
    address: str
    time_zone: str = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest: str = "off"
    locale: str = "en"


async def subscribed_recipients(
    session: AsyncSession, org_id: uuid.UUID, event_type: str, users: Sequence[uuid.UUID] | None = None
) -> list[Recipient]:
    query = (
        select(
            Subscription.user_id,
            Subscription.channel,
            Destination.address,
            Preference.time_zone,
            Preference.quiet_start,
            Preference.quiet_end,
            Preference.digest,
            Preference.locale,
        )
        .join(
            Destination,
            and_(
                Destination.org_id == Subscription.org_id,
                Destination.user_id == Subscription.user_id,
                Destination.channel == Subscription.channel,
                Destination.verified_at.is_not(None),
            ),
        )
        .outerjoin(
            Preference,
            and_(Preference.org_id == Subscription.org_id, Preference.user_id == Subscription.user_id),
        )
        .where(Subscription.org_id == org_id, Subscription.event_type == event_type)
        .order_by(Subscription.user_id, Subscription.channel, Destination.address)
    )
    if users is not None:
        query = query.where(Subscription.user_id.in_(list(users)))
    rows = (await session.execute(query)).all()
    return [
        Recipient(
            user_id=r.user_id,
            channel=r.channel,
            address=r.address,
            time_zone=r.time_zone or "UTC",
            quiet_start=r.quiet_start,
            quiet_end=r.quiet_end,
            digest=r.digest or "off",
            locale=r.locale or "en",
        )
        for r in rows
    ]
