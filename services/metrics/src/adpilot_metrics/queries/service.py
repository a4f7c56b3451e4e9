"""The SQL behind the KPI query API. Reads the daily rollups only, so a dashboard costs O(days x campaigns)
whatever the number of raw facts: the account rollups unless a campaign is selected (or campaigns ranked)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.problems import Problem
from adpilot_metrics.access import account_currency, check_campaign
from adpilot_metrics.queries.schemas import (
    Bucket,
    Change,
    CurrencyTop,
    CurrencyTotals,
    Measures,
    Period,
    Point,
    RankBy,
    RankedCampaign,
    Series,
    Timeseries,
    TopCampaigns,
    Totals,
)

SUMS = ("impressions", "clicks", "spend_micros", "conversions", "conversion_value_micros")
SUM_COLUMNS = ", ".join(f"sum({c}) AS {c}" for c in SUMS)
# Ranking expressions of top-campaigns (fixed strings, never caller input).
RANKING = {
    "spend": "sum(r.spend_micros)",
    "conversions": "sum(r.conversions)",
    "clicks": "sum(r.clicks)",
    "roas": "sum(r.conversion_value_micros)::numeric / NULLIF(sum(r.spend_micros), 0)",
}


@dataclass(frozen=True)
class Selection:
    """What a query covers: an org's days [date_from, date_to], optionally narrowed to an account, a campaign
    (platform id) or a platform."""

    org_id: uuid.UUID
    date_from: date
    date_to: date
    account_id: uuid.UUID | None = None
    campaign_id: str | None = None
    platform: str | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def shifted_back(self) -> Selection:
        """The previous period of the same length, ending the day before ``date_from``."""
        return Selection(
            self.org_id,
            self.date_from - timedelta(days=self.days),
            self.date_from - timedelta(days=1),
            self.account_id,
            self.campaign_id,
            self.platform,
        )

    def where(self, alias: str = "r") -> tuple[str, dict[str, Any]]:
        clauses = [f"{alias}.org_id = :org_id", f"{alias}.day BETWEEN :date_from AND :date_to"]
        params: dict[str, Any] = {"org_id": self.org_id, "date_from": self.date_from, "date_to": self.date_to}
        if self.account_id is not None:
            clauses.append(f"{alias}.account_id = :account_id")
            params["account_id"] = self.account_id
        if self.campaign_id is not None:
            clauses.append(f"{alias}.campaign_id = :campaign_id")
            params["campaign_id"] = self.campaign_id
        if self.platform is not None:
            clauses.append(f"{alias}.platform = :platform")
            params["platform"] = self.platform
        return " AND ".join(clauses), params

    @property
    def table(self) -> str:
        return "daily_campaign_rollups" if self.campaign_id is not None else "daily_account_rollups"


# The days a query or report may name. Beyond them the date arithmetic (the previous period, the bucket after
# the last) leaves Python's years 1..9999, and no ad platform has data there anyway.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def validate_range(date_from: date, date_to: date, max_days: int) -> None:
    """The one check of a requested range (KPI queries and reports): a 422 problem unless it is valid."""
    for day in (date_from, date_to):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise Problem(
                422,
                "Date out of range",
                f"{day} is outside the supported days, {FIRST_DAY} to {LAST_DAY}.",
            )
    if date_from > date_to:
        raise Problem(422, "Invalid date range", f"'from' ({date_from}) is after 'to' ({date_to}).")
    days = (date_to - date_from).days + 1
    if days > max_days:
        raise Problem(
            422,
            "Date range too long",
            f"The range covers {days} days; at most {max_days} days may be queried.",
        )


async def check_scope(session: AsyncSession, selection: Selection) -> None:
    """404 for an account or campaign this org has no trace of: another org's id answers exactly like an
    unknown one."""
    if selection.account_id is not None:
        await account_currency(session, selection.org_id, selection.account_id)
    if selection.campaign_id is not None:
        await check_campaign(session, selection.org_id, selection.campaign_id, selection.account_id)


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    return None if not denominator else Decimal(numerator) / Decimal(denominator)


def _micros(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def measures(row: Mapping[Any, Any]) -> dict[str, Any]:
    """Sums of ``row`` (None → 0) and the KPIs derived from them."""
    impressions = int(row.get("impressions") or 0)
    clicks = int(row.get("clicks") or 0)
    spend = int(row.get("spend_micros") or 0)
    conversions = Decimal(row.get("conversions") or 0)
    value = int(row.get("conversion_value_micros") or 0)
    return {
        "impressions": impressions,
        "clicks": clicks,
        "spend_micros": spend,
        "conversions": float(conversions),
        "conversion_value_micros": value,
        "ctr": _float(_ratio(clicks, impressions)),
        "cpc_micros": _micros(_ratio(spend, clicks)),
        "cpm_micros": _micros(_ratio(spend * 1000, impressions)),
        "cpa_micros": _micros(_ratio(spend, conversions)),
        "roas": _float(_ratio(value, spend)),
        "conversion_rate": _float(_ratio(conversions, clicks)),
    }


def change(current: Measures, previous: Measures) -> Change:
    def relative(now: float | None, before: float | None) -> float | None:
        if now is None or not before:
            return None
        return (now - before) / before

    return Change(
        **{name: relative(getattr(current, name), getattr(previous, name)) for name in Change.model_fields}
    )


def bucket_starts(date_from: date, date_to: date, bucket: Bucket) -> list[date]:
    """The calendar buckets (ISO weeks from Monday, months from the 1st) touching [date_from, date_to]."""
    if bucket == "day":
        first = date_from
    elif bucket == "week":
        first = date_from - timedelta(days=date_from.weekday())
    else:
        first = date_from.replace(day=1)
    starts = []
    while first <= date_to:
        starts.append(first)
        first = next_bucket(first, bucket)
    return starts


def next_bucket(start: date, bucket: Bucket) -> date:
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def bucket_expression(bucket: Bucket, alias: str = "r") -> str:
    """SQL for the first day of the bucket containing ``<alias>.day``."""
    return f"{alias}.day" if bucket == "day" else f"date_trunc('{bucket}', {alias}.day::timestamp)::date"


async def timeseries(session: AsyncSession, selection: Selection, bucket: Bucket) -> Timeseries:
    where, params = selection.where()
    bucket_expr = bucket_expression(bucket)
    rows = (
        await session.execute(
            text(
                f"SELECT r.currency, {bucket_expr} AS bucket, {SUM_COLUMNS}, bool_or(r.provisional) AS provisional"  # noqa: S608
                f" FROM {selection.table} r WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            params,
        )
    ).mappings()
    by_currency: dict[str, dict[date, Mapping[Any, Any]]] = {}
    for r in rows:
        by_currency.setdefault(r["currency"], {})[r["bucket"]] = r
    starts = bucket_starts(selection.date_from, selection.date_to, bucket)
    series = []
    for currency, buckets in by_currency.items():
        points = []
        for start in starts:
            found = buckets.get(start)
            points.append(
                Point(
                    start=max(start, selection.date_from),
                    end=min(next_bucket(start, bucket) - timedelta(days=1), selection.date_to),
                    provisional=bool(found and found["provisional"]),
                    **measures(found or {}),
                )
            )
        series.append(Series(currency=currency, points=points))
    return Timeseries(
        date_from=selection.date_from,
        date_to=selection.date_to,
        bucket=bucket,
        currencies=list(by_currency),
        series=series,
    )


async def totals(session: AsyncSession, selection: Selection, *, compare: bool) -> Totals:
    """Totals per currency; with ``compare``, one scan also sums the previous period of the same length."""
    previous = selection.shifted_back()
    scanned = replace(selection, date_from=previous.date_from) if compare else selection
    where, params = scanned.where()
    params["current_from"] = selection.date_from
    rows = (
        await session.execute(
            text(
                f"SELECT r.currency, r.day >= :current_from AS current, {SUM_COLUMNS},"  # noqa: S608
                " bool_or(r.provisional) AS provisional"
                f" FROM {selection.table} r WHERE {where} GROUP BY 1, 2 ORDER BY 1"
            ),
            params,
        )
    ).mappings()
    periods: dict[str, dict[bool, Mapping[Any, Any]]] = {}
    for r in rows:
        periods.setdefault(r["currency"], {})[r["current"]] = r
    result = []
    for currency, found in periods.items():
        current_row = found.get(True)
        current = Measures(**measures(current_row or {}))
        entry = CurrencyTotals(
            currency=currency, current=current, provisional=bool(current_row and current_row["provisional"])
        )
        if compare:
            entry.previous = Measures(**measures(found.get(False) or {}))
            entry.change = change(current, entry.previous)
        result.append(entry)
    return Totals(
        date_from=selection.date_from,
        date_to=selection.date_to,
        previous_period=Period(date_from=previous.date_from, date_to=previous.date_to) if compare else None,
        currencies=list(periods),
        totals=result,
    )


async def top_campaigns(session: AsyncSession, selection: Selection, by: RankBy, limit: int) -> TopCampaigns:
    """The ``limit`` best campaigns by ``by`` within each currency, named from ``campaign_dimensions``."""
    where, params = selection.where()
    params["limit"] = limit
    rows = (
        await session.execute(
            text(
                "WITH ranked AS ("  # noqa: S608 - the ranking expression comes from RANKING
                f" SELECT r.currency, r.account_id, r.campaign_id, min(r.platform) AS platform, {SUM_COLUMNS},"
                " bool_or(r.provisional) AS provisional,"
                f" row_number() OVER (PARTITION BY r.currency ORDER BY {RANKING[by]} DESC NULLS LAST,"
                " r.account_id, r.campaign_id) AS rank"
                f" FROM daily_campaign_rollups r WHERE {where}"
                " GROUP BY r.currency, r.account_id, r.campaign_id)"
                " SELECT ranked.*, d.name, d.status FROM ranked"
                " LEFT JOIN campaign_dimensions d ON d.org_id = :org_id AND d.account_id = ranked.account_id"
                " AND d.campaign_id = ranked.campaign_id"
                " WHERE ranked.rank <= :limit ORDER BY ranked.currency, ranked.rank"
            ),
            params,
        )
    ).mappings()
    groups: dict[str, list[RankedCampaign]] = {}
    for r in rows:
        groups.setdefault(r["currency"], []).append(
            RankedCampaign(
                rank=r["rank"],
                account_id=r["account_id"],
                campaign_id=r["campaign_id"],
                platform=r["platform"],
                name=r["name"],
                status=r["status"],
                provisional=r["provisional"],
                **measures(r),
            )
        )
    return TopCampaigns(
        date_from=selection.date_from,
        date_to=selection.date_to,
        by=by,
        limit=limit,
        currencies=list(groups),
        groups=[CurrencyTop(currency=c, campaigns=campaigns) for c, campaigns in groups.items()],
    )
