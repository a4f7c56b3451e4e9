"""Event → delivery rows (the consumer only inserts; sending is the runners' job, so a dead channel never
holds up the event stream). Runs inside the inbox transaction: a redelivered event inserts nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.jobs import JobStatus
from adpilot_notify.deliveries import repository
from adpilot_notify.deliveries.events import Plan, plan_for
from adpilot_notify.models import WebhookEndpoint
from adpilot_notify.preferences.repository import Recipient, subscribed_recipients
from adpilot_notify.preferences.timing import deliverable_at, digest_window
from adpilot_notify.templates.renderer import supported_locale

DIGEST_NAMESPACE = uuid.UUID("6b1f3c52-8f0e-4d6a-9a43-2f1d0c7e5b11")
DIGEST_EVENT_TYPE = "notify.digest"


class FanOut:
    def __init__(self, public_base_url: str, default_locale: str = "en") -> None:
        self._base = public_base_url
        self._locale = supported_locale(default_locale)

    async def __call__(self, session: AsyncSession, event: EventEnvelope, payload: BaseModel) -> None:
        plan = plan_for(event.type, payload, self._base)
        if plan.email is not None:
            await repository.enqueue(
                session,
                event_id=event.id,
                event_type=event.type,
                org_id=event.org_id,
                channel="email",
                destination=plan.email.lower(),
                template=plan.template,
                context=plan.context,
                locale=self._locale,
                urgent=True,
            )
            return
        # Subscribers first: when a schedule address is also theirs, the one delivery is attributed to them.
        if event.org_id is not None and (plan.users is None or plan.users):
            now = datetime.now(UTC)
            for recipient in await subscribed_recipients(session, event.org_id, event.type, plan.users):
                await self._to_recipient(session, event, plan, recipient, now)
        for address in plan.extra_emails:
            await repository.enqueue(
                session,
                event_id=event.id,
                event_type=event.type,
                org_id=event.org_id,
                channel="email",
                destination=address.lower(),
                template=plan.template,
                context=plan.context,
                locale=self._locale,
            )
        if event.org_id is None:
            return
        await self._to_webhooks(session, event)

    async def _to_recipient(
        self, session: AsyncSession, event: EventEnvelope, plan: Plan, r: Recipient, now: datetime
    ) -> None:
        assert event.org_id is not None
        common: dict[str, Any] = dict(
            event_type=event.type,
            org_id=event.org_id,
            user_id=r.user_id,
            channel=r.channel,
            destination=r.address,
            locale=supported_locale(r.locale),
        )
        if plan.priority == "low" and r.digest != "off":
            start, end = digest_window(now, r.time_zone, r.digest)
            digest_event = uuid.uuid5(
                DIGEST_NAMESPACE, f"{event.org_id}:{r.user_id}:{r.channel}:{r.address}:{start.isoformat()}"
            )
            await repository.enqueue(
                session,
                event_id=digest_event,
                template="digest",
                context={},
                available_at=deliverable_at(end, r.time_zone, r.quiet_start, r.quiet_end),
                **{**common, "event_type": DIGEST_EVENT_TYPE},
            )
            # Locked so a runner cannot claim the digest between our check and our insert.
            digest = await repository.locked_by_key(session, digest_event, r.channel, r.address)
            if digest is not None and digest.status == JobStatus.QUEUED.value:
                await repository.enqueue(
                    session,
                    event_id=event.id,
                    template=plan.template,
                    context=plan.context,
                    status=repository.BATCHED,
                    digest_id=digest.id,
                    **common,
                )
                return
            # That window's digest already went out (a late event): send this one on its own.
        urgent = plan.priority == "urgent"
        await repository.enqueue(
            session,
            event_id=event.id,
            template=plan.template,
            context=plan.context,
            urgent=urgent,
            available_at=now if urgent else deliverable_at(now, r.time_zone, r.quiet_start, r.quiet_end),
            **common,
        )

    async def _to_webhooks(self, session: AsyncSession, event: EventEnvelope) -> None:
        assert event.org_id is not None
        endpoints = await session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.org_id == event.org_id,
                WebhookEndpoint.enabled.is_(True),
                func.array_position(WebhookEndpoint.event_types, event.type).is_not(None),
            )
        )
        body = event.model_dump_json()
        for endpoint in endpoints:
            await repository.enqueue(
                session,
                event_id=event.id,
                event_type=event.type,
                org_id=event.org_id,
                channel="webhook",
                destination=str(endpoint.id),
                endpoint_id=endpoint.id,
                template="webhook",
                context={"body": body},
            )
