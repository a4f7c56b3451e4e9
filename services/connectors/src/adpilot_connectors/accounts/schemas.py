"""Ad accounts, their sync state and the mirrored campaign structure, as the API shows them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from adpilot_connectors.linking.health import Health

PlatformName = Literal["google", "meta", "tiktok", "sandbox"]
CampaignStatus = Literal["ENABLED", "PAUSED", "REMOVED"]
MAX_LOOKBACK_DAYS = 90


class ConnectionSummary(BaseModel):
    id: uuid.UUID
    label: str
    status: str  # active | reconnect_required
    status_reason: str | None
    health: Health
    token_expires_at: datetime | None
    paused_until: datetime | None = Field(
        description="Quota exhausted: no syncs until then (None: not paused)"
    )


class ActiveRun(BaseModel):
    id: uuid.UUID
    status: str  # queued | running
    trigger: str
    queued_at: datetime
    started_at: datetime | None
    metric_rows: int


class AccountOut(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    platform: PlatformName
    external_id: str
    name: str
    currency: str
    time_zone: str
    status: str
    is_manager: bool
    sync_enabled: bool
    lookback_days: int | None = Field(description="This account's override; None: the platform's default")
    effective_lookback_days: int
    metrics_synced_through: date | None = Field(description="Every day up to this one was sent")
    structure_synced_at: datetime | None
    last_sync_status: str | None
    last_sync_at: datetime | None
    connection_health: Health
    connection: ConnectionSummary
    active_run: ActiveRun | None


class AccountPatch(BaseModel):
    """Only the fields present change; ``lookback_days: null`` goes back to the platform's default."""

    model_config = ConfigDict(extra="forbid")

    sync_enabled: StrictBool | None = None
    lookback_days: int | None = Field(default=None, ge=0, le=MAX_LOOKBACK_DAYS)


class CampaignOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    account_name: str
    platform: PlatformName
    external_account_id: str
    external_id: str
    name: str
    status: CampaignStatus
    objective: str | None
    daily_budget_micros: int | None
    currency: str
    first_seen_at: datetime
    updated_at: datetime


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    total: int
    limit: int
    offset: int


class AdOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str
    name: str
    status: CampaignStatus
    headlines: list[str]
    descriptions: list[str]
    final_url: str | None
    updated_at: datetime


class AdGroupOut(BaseModel):
    id: uuid.UUID
    external_id: str
    name: str
    status: CampaignStatus
    updated_at: datetime
    ads: list[AdOut]


class CampaignDetail(CampaignOut):
    ad_groups: list[AdGroupOut]
