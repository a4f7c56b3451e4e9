"""Response shapes of the KPI query API. Money is integer micros of the group's ``currency``; ratios are
computed from the summed measures (never averaged), and are null when their denominator is zero."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Bucket = Literal["day", "week", "month"]
RankBy = Literal["spend", "conversions", "clicks", "roas"]

CURRENCY_NOTE = "Results are grouped by currency: amounts in different currencies are never added together."


class Measures(BaseModel):
    """Summed measures and the KPIs derived from those sums."""

    impressions: int
    clicks: int
    spend_micros: int
    conversions: float
    conversion_value_micros: int
    ctr: float | None = Field(description="clicks / impressions")
    cpc_micros: int | None = Field(description="spend / clicks")
    cpm_micros: int | None = Field(description="spend * 1000 / impressions")
    cpa_micros: int | None = Field(description="spend / conversions")
    roas: float | None = Field(description="conversion value / spend")
    conversion_rate: float | None = Field(description="conversions / clicks")


class Change(BaseModel):
    """Relative change against the previous period, (current - previous) / previous; null when the previous
    value is zero or null."""

    impressions: float | None
    clicks: float | None
    spend_micros: float | None
    conversions: float | None
    conversion_value_micros: float | None
    ctr: float | None
    cpc_micros: float | None
    cpm_micros: float | None
    cpa_micros: float | None
    roas: float | None
    conversion_rate: float | None


class Point(Measures):
    start: date = Field(description="first day of the bucket inside the requested range")
    end: date = Field(description="last day of the bucket inside the requested range")
    provisional: bool = Field(description="the bucket contains days the platform may still restate")


class Series(BaseModel):
    currency: str
    points: list[Point]


class Timeseries(BaseModel):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    bucket: Bucket
    currencies: list[str]
    note: str = CURRENCY_NOTE
    series: list[Series]


class Period(BaseModel):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")


class CurrencyTotals(BaseModel):
    currency: str
    current: Measures
    provisional: bool
    previous: Measures | None = None
    change: Change | None = None


class Totals(BaseModel):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    previous_period: Period | None
    currencies: list[str]
    note: str = CURRENCY_NOTE
    totals: list[CurrencyTotals]


class RankedCampaign(Measures):
    rank: int
    account_id: uuid.UUID
    campaign_id: str = Field(description="the platform's campaign id")
    platform: str
    name: str | None
    status: str | None
    provisional: bool


class CurrencyTop(BaseModel):
    currency: str
    campaigns: list[RankedCampaign]


class TopCampaigns(BaseModel):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    by: RankBy
    limit: int
    currencies: list[str]
    note: str = (
        "Campaigns are ranked within each currency: amounts in different currencies are never compared."
    )
    groups: list[CurrencyTop]
