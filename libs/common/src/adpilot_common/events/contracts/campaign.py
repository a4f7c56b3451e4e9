"""Events about the campaign structure mirrored from the ad platforms (org-scoped; other systems subscribe)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from adpilot_common.events.contracts.connector import PlatformName

CampaignStatus = Literal["ENABLED", "PAUSED", "REMOVED"]


class CampaignSnapshot(BaseModel):
    """A campaign as AdPilot mirrors it. Money is integer micros of ``currency``."""

    campaign_id: uuid.UUID = Field(description="AdPilot's id of the mirrored campaign")
    account_id: uuid.UUID
    platform: PlatformName
    external_account_id: str
    account_name: str | None = Field(
        default=None, description="the ad account's name on the platform (absent from producers before it)"
    )
    external_id: str
    name: str
    status: CampaignStatus
    objective: str | None = None
    daily_budget_micros: int | None = None
    currency: str = Field(min_length=3, max_length=3)


class CampaignCreated(CampaignSnapshot):
    """A campaign appeared on the platform (first sync, created in AdPilot, or created elsewhere)."""


class CampaignUpdated(CampaignSnapshot):
    """Name, objective or budget changed; ``changed`` lists the fields."""

    changed: list[str]


class CampaignStatusChanged(CampaignSnapshot):
    """Status changed (enabled, paused, removed)."""

    previous_status: CampaignStatus
