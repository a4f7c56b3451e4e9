"""Sums over a day range from the daily rollups (O(days) rows, whatever the raw fact count)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_metrics.models import DailyAccountRollup, DailyCampaignRollup


@dataclass(frozen=True)
class Totals:
    impressions: int
    clicks: int
    spend_micros: int
    conversions: Decimal
    currency: str | None  # None when there is no data in the range


async def totals(
    session: AsyncSession,
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    campaign_id: str | None,
    first: date,
    last: date,
    *,
    currency: str | None = None,
) -> Totals:
    """Sums of one account (``campaign_id`` None) or campaign over ``first..last`` inclusive; ``currency``
    restricts to rows in that currency (budgets never add up different currencies)."""
    table: type[DailyAccountRollup] | type[DailyCampaignRollup] = (
        DailyAccountRollup if campaign_id is None else DailyCampaignRollup
    )
    query = select(
        func.coalesce(func.sum(table.impressions), 0),
        func.coalesce(func.sum(table.clicks), 0),
        func.coalesce(func.sum(table.spend_micros), 0),
        func.coalesce(func.sum(table.conversions), 0),
        func.max(table.currency),
    ).where(
        table.org_id == org_id,
        table.account_id == account_id,
        table.day >= first,
        table.day <= last,
    )
    if campaign_id is not None:
        query = query.where(DailyCampaignRollup.campaign_id == campaign_id)
    if currency is not None:
        query = query.where(table.currency == currency)
    impressions, clicks, spend, conversions, found_currency = (await session.execute(query)).one()
    return Totals(int(impressions), int(clicks), int(spend), Decimal(conversions), found_currency)
