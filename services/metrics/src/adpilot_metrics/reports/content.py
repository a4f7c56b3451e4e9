"""What a report contains, gathered from the daily rollups with the same queries as the KPI API (so a report
and the dashboard never disagree)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_metrics.models import Report
from adpilot_metrics.queries import service
from adpilot_metrics.queries.schemas import Bucket, Measures, Timeseries, TopCampaigns, Totals
from adpilot_metrics.queries.service import Selection

# Campaigns listed in the ranking table (per currency); the breakdown rows are never cut.
MAX_RANKED_CAMPAIGNS = 1000


@dataclass(frozen=True)
class AccountLabel:
    """How a report names an ad account: its platform id (``123-456-7890``) and, when campaign events carried
    it, its name on the platform."""

    platform_id: str
    name: str | None


@dataclass(frozen=True)
class BreakdownRow:
    """One campaign in one bucket: the flat table of the CSV file and the Excel "Breakdown" sheet."""

    start: date
    end: date
    currency: str
    platform: str
    account_id: uuid.UUID
    campaign_id: str
    campaign_name: str | None
    measures: Measures
    provisional: bool


@dataclass(frozen=True)
class ReportContent:
    title: str
    date_from: date
    date_to: date
    bucket: Bucket
    filters: dict[str, str]
    generated_at: datetime
    totals: Totals
    timeseries: Timeseries
    campaigns: TopCampaigns
    breakdown: list[BreakdownRow]
    # Each ad account's platform id and name, from campaign events; an account whose campaigns metrics has no
    # event of is missing (reports then show only AdPilot's id).
    accounts: dict[uuid.UUID, AccountLabel]

    def account(self, account_id: uuid.UUID) -> AccountLabel:
        return self.accounts.get(account_id, AccountLabel(platform_id="", name=None))

    @property
    def empty(self) -> bool:
        return not self.totals.totals


def selection_of(report: Report) -> Selection:
    account = report.filters.get("account_id")
    return Selection(
        org_id=report.org_id,
        date_from=report.date_from,
        date_to=report.date_to,
        account_id=uuid.UUID(account) if account else None,
        platform=report.filters.get("platform"),
    )


async def gather(session: AsyncSession, report: Report, generated_at: datetime) -> ReportContent:
    chosen = selection_of(report)
    bucket: Bucket = report.bucket  # type: ignore[assignment]  # checked by the table's constraint
    return ReportContent(
        title=report.title,
        date_from=report.date_from,
        date_to=report.date_to,
        bucket=bucket,
        filters={k: str(v) for k, v in report.filters.items() if v},
        generated_at=generated_at,
        totals=await service.totals(session, chosen, compare=True),
        timeseries=await service.timeseries(session, chosen, bucket),
        campaigns=await service.top_campaigns(session, chosen, "spend", MAX_RANKED_CAMPAIGNS),
        breakdown=await breakdown(session, chosen, bucket),
        accounts=await account_labels(session, report.org_id),
    )


async def breakdown(session: AsyncSession, chosen: Selection, bucket: Bucket) -> list[BreakdownRow]:
    """Sums per campaign and bucket, in currency, bucket, account, campaign order."""
    where, params = chosen.where()
    bucket_expr = service.bucket_expression(bucket)
    rows = (
        await session.execute(
            text(
                f"SELECT r.currency, {bucket_expr} AS bucket, r.account_id, r.campaign_id,"  # noqa: S608
                f" min(r.platform) AS platform, {service.SUM_COLUMNS}, bool_or(r.provisional) AS provisional,"
                " min(d.name) AS name"
                " FROM daily_campaign_rollups r LEFT JOIN campaign_dimensions d"
                " ON d.org_id = r.org_id AND d.account_id = r.account_id AND d.campaign_id = r.campaign_id"
                f" WHERE {where} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            ),
            params,
        )
    ).mappings()
    return [_breakdown_row(r, chosen, bucket) for r in rows]


def _breakdown_row(r: Any, chosen: Selection, bucket: Bucket) -> BreakdownRow:
    start: date = r["bucket"]
    return BreakdownRow(
        start=max(start, chosen.date_from),
        end=min(service.next_bucket(start, bucket) - timedelta(days=1), chosen.date_to),
        currency=r["currency"],
        platform=r["platform"],
        account_id=r["account_id"],
        campaign_id=r["campaign_id"],
        campaign_name=r["name"],
        measures=Measures(**service.measures(r)),
        provisional=bool(r["provisional"]),
    )


async def account_labels(session: AsyncSession, org_id: uuid.UUID) -> dict[uuid.UUID, AccountLabel]:
    rows = await session.execute(
        text(
            # The name most recently told (an account renamed on the platform shows its new name).
            "SELECT DISTINCT ON (account_id) account_id, external_account_id, account_name"
            " FROM campaign_dimensions WHERE org_id = :org_id"
            " ORDER BY account_id, account_name IS NULL, updated_at DESC"
        ),
        {"org_id": org_id},
    )
    return {
        account_id: AccountLabel(platform_id=external_id, name=name)
        for account_id, external_id, name in rows.tuples()
    }
