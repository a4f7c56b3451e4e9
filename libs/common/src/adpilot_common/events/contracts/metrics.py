"""Daily ad metrics, normalised across platforms."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, NotRequired

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from adpilot_common.events.contracts.connector import PlatformName

Count = Annotated[int, Field(ge=0)]
# Platform ids fit the facts' varchar(128); a longer one is refused as malformed here, not by the database.
PLATFORM_ID_MAX_LENGTH = 128
PlatformId = Annotated[str, Field(max_length=PLATFORM_ID_MAX_LENGTH)]


class MetricRow(TypedDict):
    """One (campaign, ad group, ad, day) row; ad group and ad are None (or absent) for campaign-level rows.
    ``day`` is the account's local calendar day; money is integer micros of the batch currency."""

    # A typed dict, not a model: validated the same, but a row is a plain dict of atomic values, which the
    # garbage collector does not track. A model instance per row made decoding a 1,000-row batch ~2x slower
    # and its collections scan every row of every batch in flight (docs/decisions.md, "Ingestion speed").
    campaign_id: Annotated[PlatformId, Field(description="The platform's campaign id")]
    ad_group_id: NotRequired[PlatformId | None]
    ad_id: NotRequired[PlatformId | None]
    day: date
    impressions: Count
    clicks: Count
    spend_micros: Count
    conversions: Annotated[Decimal, Field(ge=0)]
    conversion_value_micros: Count


class MetricsFetched(BaseModel):
    """A batch (≤ 1,000 rows) of daily metrics of one ad account. Rows for days already sent replace them
    (platforms restate recent days); ``provisional_from`` is the first day that may still change."""

    sync_run_id: uuid.UUID
    account_id: uuid.UUID = Field(description="AdPilot's id of the ad account")
    platform: PlatformName
    external_account_id: str
    currency: str = Field(min_length=3, max_length=3)
    time_zone: str = Field(description="IANA zone of the account; days are local to it")
    provisional_from: date | None = None
    rows: list[MetricRow] = Field(max_length=1000)


class MetricsUpdated(BaseModel):
    """Facts and daily rollups of one ad account changed (one merged ``metrics.v1.fetched`` batch), so
    dashboards showing these campaigns and days can refresh. The org is the envelope's ``org_id``."""

    account_id: uuid.UUID = Field(description="AdPilot's id of the ad account")
    platform: PlatformName
    campaigns: list[str] = Field(description="The platform's ids of the campaigns whose metrics changed")
    date_from: date = Field(description="First day touched (inclusive)")
    date_to: date = Field(description="Last day touched (inclusive)")
    rows: int = Field(ge=0, description="Fact rows merged (inserted or replaced)")
    provisional_from: date | None = Field(default=None, description="Days from here on may still change")
