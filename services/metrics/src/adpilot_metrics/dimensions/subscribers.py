"""``campaign.v1.created|updated|status_changed`` → one upserted row of ``campaign_dimensions`` per campaign."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.campaign import CampaignSnapshot
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.consumer import PermanentError
from adpilot_metrics.models import CampaignDimension

SUBJECTS = ("campaign.v1.created", "campaign.v1.updated", "campaign.v1.status_changed")


async def on_campaign_event(session: AsyncSession, event: EventEnvelope, payload: CampaignSnapshot) -> None:
    """Every campaign event carries the full snapshot, so each one simply replaces the row; an event older than
    the stored state (redelivered or overtaken by a later one) changes nothing."""
    if event.org_id is None:
        raise PermanentError(f"{event.type} without org_id: campaign dimensions are org-scoped")
    values = {
        "org_id": event.org_id,
        "account_id": payload.account_id,
        "campaign_id": payload.external_id,
        "adpilot_campaign_id": payload.campaign_id,
        "platform": payload.platform,
        "external_account_id": payload.external_account_id,
        "account_name": payload.account_name,
        "name": payload.name,
        "status": payload.status,
        "objective": payload.objective,
        "daily_budget_micros": payload.daily_budget_micros,
        "currency": payload.currency.upper(),
        "updated_at": event.occurred_at,
    }
    statement = insert(CampaignDimension).values(**values)
    keys = ("org_id", "account_id", "campaign_id")
    replaced: dict[str, ColumnElement[Any]] = {k: statement.excluded[k] for k in values if k not in keys}
    # An event from a producer that predates ``account_name`` leaves the known name in place.
    replaced["account_name"] = func.coalesce(statement.excluded.account_name, CampaignDimension.account_name)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_=replaced,
        where=CampaignDimension.updated_at <= statement.excluded.updated_at,
    )
    await session.execute(statement)
