"""Events the connectors service publishes about ad-platform connections and sync runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

PlatformName = Literal["google", "meta", "tiktok", "sandbox"]
SyncTrigger = Literal["schedule", "manual"]


class SyncCompleted(BaseModel):
    """A sync run of one ad account finished: structure mirrored and metrics published up to ``metrics_to``."""

    run_id: uuid.UUID
    account_id: uuid.UUID
    platform: PlatformName
    external_account_id: str
    trigger: SyncTrigger
    started_at: datetime
    finished_at: datetime
    metrics_from: date | None = Field(description="First day re-fetched (lookback included); None if none")
    metrics_to: date | None
    metric_rows: int = Field(ge=0)
    campaigns_created: int = Field(ge=0)
    campaigns_updated: int = Field(ge=0)


class SyncFailed(BaseModel):
    """A sync run failed; the account's sync state is unchanged and the next run starts where this one began."""

    run_id: uuid.UUID
    account_id: uuid.UUID
    platform: PlatformName
    external_account_id: str
    trigger: SyncTrigger
    error_kind: Literal["reconnect_required", "rate_limited", "platform_error", "invalid_request", "internal"]
    error: str = Field(max_length=2000, description="Human-readable; never contains tokens")
    retry_after: datetime | None = None


class ConnectionHealthChanged(BaseModel):
    """A platform connection needs attention (token expires soon, or the user must reconnect) or recovered."""

    connection_id: uuid.UUID
    platform: PlatformName
    health: Literal["ok", "expires_soon", "reconnect_required"]
    expires_at: datetime | None = None
    reason: str | None = Field(default=None, max_length=500)
    created_by: uuid.UUID | None = Field(default=None, description="The user who linked it (to notify)")
