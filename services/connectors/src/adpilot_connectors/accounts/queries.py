"""Read queries behind the accounts and campaigns API; every one is scoped by the caller's org."""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from adpilot_common.jobs import ACTIVE_STATUSES
from adpilot_common.problems import Problem
from adpilot_connectors.models import (
    AdAccountRow,
    AdGroupRow,
    AdRow,
    CampaignRow,
    PlatformConnection,
    SyncRun,
)

# Sort keys of the campaign list (``-`` prefix: descending); ties fall back to the id, so pages are stable.
CAMPAIGN_SORTS: dict[str, Any] = {
    "name": func.lower(CampaignRow.name),
    "status": CampaignRow.status,
    "budget": CampaignRow.daily_budget_micros,
    "daily_budget_micros": CampaignRow.daily_budget_micros,  # the column's own name, as the SPA sends it
    "updated": CampaignRow.updated_at,
}
CAMPAIGN_SORT_PATTERN = r"^-?(" + "|".join(CAMPAIGN_SORTS) + r")$"


@dataclass(frozen=True)
class AccountRecord:
    account: AdAccountRow
    connection: PlatformConnection
    active_run: SyncRun | None


@dataclass(frozen=True)
class CampaignFilter:
    account_id: uuid.UUID | None = None
    platform: str | None = None
    status: str | None = None
    q: str | None = None


async def accounts(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    account_id: uuid.UUID | None = None,
    platform: str | None = None,
    connection_id: uuid.UUID | None = None,
) -> list[AccountRecord]:
    active = aliased(SyncRun)
    query = (
        select(AdAccountRow, PlatformConnection, active)
        .join(PlatformConnection, PlatformConnection.id == AdAccountRow.connection_id)
        .outerjoin(active, and_(active.account_id == AdAccountRow.id, active.status.in_(ACTIVE_STATUSES)))
        .where(AdAccountRow.org_id == org_id)
        .order_by(AdAccountRow.platform, func.lower(AdAccountRow.name), AdAccountRow.id)
    )
    if account_id is not None:
        query = query.where(AdAccountRow.id == account_id)
    if platform is not None:
        query = query.where(AdAccountRow.platform == platform)
    if connection_id is not None:
        query = query.where(AdAccountRow.connection_id == connection_id)
    return [AccountRecord(*row) for row in (await session.execute(query)).all()]


def _campaigns(org_id: uuid.UUID, f: CampaignFilter) -> Select[Any]:
    query = (
        select(CampaignRow, AdAccountRow)
        .join(AdAccountRow, AdAccountRow.id == CampaignRow.account_id)
        .where(CampaignRow.org_id == org_id)
    )
    if f.account_id is not None:
        query = query.where(CampaignRow.account_id == f.account_id)
    if f.platform is not None:
        query = query.where(AdAccountRow.platform == f.platform)
    if f.status is not None:
        query = query.where(CampaignRow.status == f.status)
    if f.q:
        query = query.where(_search(f.q))
    return query


def _search(q: str) -> ColumnElement[bool]:
    """What the SPA's "Campaign name or id" box finds: the name (contains, any case), the platform's campaign id
    (exact or prefix) or AdPilot's campaign id (exact)."""
    matches = [
        CampaignRow.name.icontains(q, autoescape=True),
        CampaignRow.external_id.startswith(q.strip(), autoescape=True),
    ]
    with suppress(ValueError):  # not shaped like a UUID: no campaign has it as id
        matches.append(CampaignRow.id == uuid.UUID(q.strip()))
    return or_(*matches)


async def campaign_page(
    session: AsyncSession, org_id: uuid.UUID, f: CampaignFilter, sort: str, limit: int, offset: int
) -> tuple[list[tuple[CampaignRow, AdAccountRow]], int]:
    query = _campaigns(org_id, f)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    key = CAMPAIGN_SORTS[sort.removeprefix("-")]
    order = key.desc().nulls_last() if sort.startswith("-") else key.asc().nulls_last()
    tie = CampaignRow.id.desc() if sort.startswith("-") else CampaignRow.id.asc()
    rows = (await session.execute(query.order_by(order, tie).limit(limit).offset(offset))).tuples().all()
    return list(rows), int(total)


async def campaign_in_org(
    session: AsyncSession, org_id: uuid.UUID, campaign_id: uuid.UUID
) -> tuple[CampaignRow, AdAccountRow]:
    row = (
        await session.execute(
            select(CampaignRow, AdAccountRow)
            .join(AdAccountRow, AdAccountRow.id == CampaignRow.account_id)
            .where(CampaignRow.id == campaign_id, CampaignRow.org_id == org_id)
        )
    ).first()
    if row is None:
        raise Problem(404, "Unknown campaign", "No such campaign in this organisation.")
    return row[0], row[1]


async def campaign_structure(
    session: AsyncSession, campaign: CampaignRow
) -> list[tuple[AdGroupRow, list[AdRow]]]:
    groups = list(
        await session.scalars(
            select(AdGroupRow)
            .where(
                AdGroupRow.account_id == campaign.account_id,
                AdGroupRow.campaign_external_id == campaign.external_id,
            )
            .order_by(func.lower(AdGroupRow.name), AdGroupRow.id)
        )
    )
    ads: dict[str, list[AdRow]] = {g.external_id: [] for g in groups}
    if groups:
        for ad in await session.scalars(
            select(AdRow)
            .where(AdRow.account_id == campaign.account_id, AdRow.ad_group_external_id.in_(list(ads)))
            .order_by(func.lower(AdRow.name), AdRow.id)
        ):
            ads[ad.ad_group_external_id].append(ad)
    return [(g, ads[g.external_id]) for g in groups]
