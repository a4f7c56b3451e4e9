"""Org-scoped KPI queries over the daily rollups: time series, totals with comparison, top campaigns."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.connector import PlatformName
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Viewer
from adpilot_metrics.config import Settings
from adpilot_metrics.queries import service
from adpilot_metrics.queries.schemas import Bucket, RankBy, Timeseries, TopCampaigns, Totals
from adpilot_metrics.queries.service import Selection

router = APIRouter(prefix="/api/metrics", tags=["metrics"])


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session, session.begin():
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]


async def selection(
    request: Request,
    caller: Viewer,
    session: Session,
    date_from: Annotated[date, Query(alias="from", description="first day (inclusive)")],
    date_to: Annotated[date, Query(alias="to", description="last day (inclusive)")],
    account_id: uuid.UUID | None = None,
    campaign_id: Annotated[str | None, Query(min_length=1, max_length=128, description="platform id")] = None,
    platform: PlatformName | None = None,
) -> Selection:
    """The caller's org and filters, validated: a bad range is 422, a foreign or unknown id 404."""
    if caller.org_id is None:
        raise Problem(403, "No organisation", "Select an organisation to query its metrics.")
    settings: Settings = request.app.state.runtime.settings
    service.validate_range(date_from, date_to, settings.max_query_days)
    chosen = Selection(caller.org_id, date_from, date_to, account_id, campaign_id, platform)
    await service.check_scope(session, chosen)
    return chosen


Selected = Annotated[Selection, Depends(selection)]


@router.get("/timeseries", summary="Sums and KPIs per day, week or month, grouped by currency")
async def get_timeseries(chosen: Selected, session: Session, bucket: Bucket = "day") -> Timeseries:
    return await service.timeseries(session, chosen, bucket)


@router.get("/totals", summary="Totals and KPIs per currency, optionally against the previous period")
async def get_totals(
    chosen: Selected, session: Session, compare: Literal["previous_period"] | None = None
) -> Totals:
    return await service.totals(session, chosen, compare=compare is not None)


@router.get(
    "/top-campaigns", summary="The best campaigns of each currency by spend, conversions, clicks or ROAS"
)
async def get_top_campaigns(
    chosen: Selected,
    session: Session,
    by: RankBy = "spend",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopCampaigns:
    return await service.top_campaigns(session, chosen, by, limit)
