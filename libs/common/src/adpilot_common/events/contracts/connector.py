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


class CopyPublished(BaseModel):
    """Approved copy became an ad, created PAUSED, by the write job its approval turned into."""

    copy_id: uuid.UUID = Field(description="ai-copy's id of the approved variant")
    approval_id: uuid.UUID = Field(
        description="The id of the copy.v1.approved event this answers (each re-approval has a new one)"
    )
    account_id: uuid.UUID
    job_id: uuid.UUID = Field(description="The write job that created the ad")
    ad_group_id: str = Field(description="The platform's id of the ad group the ad is in")
    ad_id: str = Field(description="The platform's id of the new ad")


class CopyPublishFailed(BaseModel):
    """Approved copy did not become an ad: the approval was refused, or its write job failed."""

    copy_id: uuid.UUID = Field(description="ai-copy's id of the approved variant")
    approval_id: uuid.UUID = Field(
        description="The id of the copy.v1.approved event this answers (each re-approval has a new one)"
    )
    account_id: uuid.UUID
    job_id: uuid.UUID | None = Field(description="None when the approval was refused before any write job")
    reason: str = Field(
        max_length=500, description="Human-readable, for the person who approved; never SQL or a traceback"
    )
