"""Events the ai-copy service publishes about generated and approved ad copy (org = the envelope's org_id)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

CopyPlatform = Literal["google", "meta", "tiktok"]
CopyFailureReason = Literal["invalid_output", "provider_unavailable", "budget_exceeded", "gave_up"]


class CopyGenerated(BaseModel):
    """A generation request finished with variants for every requested platform (sync, async or bulk)."""

    generation_id: uuid.UUID
    batch_id: uuid.UUID | None = Field(default=None, description="The bulk request it belongs to, if any")
    requested_by: uuid.UUID
    platforms: list[CopyPlatform]
    variant_ids: list[uuid.UUID]
    provider: str = Field(
        description="'offline' for the built-in template generator, else the LLM model used"
    )
    offline: bool
    cached: bool = Field(description="Served from an identical earlier request: no LLM call, no cost")
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    cost_usd: Decimal = Field(ge=0)


class CopyFailed(BaseModel):
    """A generation request ended without copy."""

    generation_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    requested_by: uuid.UUID
    platforms: list[CopyPlatform]
    reason: CopyFailureReason
    message: str


class CopyApproved(BaseModel):
    """A person approved one variant: connectors may create the ad from it, PAUSED.

    ``headlines``/``descriptions``/``path1``/``path2`` follow connectors' ``create_ad`` shape: Google RSA
    headlines and descriptions; Meta ``headlines=[headline]``, ``descriptions=[primary_text, description]``;
    TikTok ``descriptions=[ad_text]``. ``fields`` is the same copy in the platform's own field names."""

    copy_id: uuid.UUID = Field(description="The approved variant")
    generation_id: uuid.UUID
    platform: CopyPlatform
    approved_by: uuid.UUID
    account_id: uuid.UUID | None = Field(default=None, description="AdPilot's id of the target ad account")
    ad_group_id: str | None = Field(default=None, description="The platform's id of the target ad group")
    final_url: str | None = None
    name: str = Field(description="A suggested ad name")
    status: Literal["PAUSED"] = "PAUSED"
    headlines: list[str]
    descriptions: list[str]
    path1: str | None = None
    path2: str | None = None
    fields: dict[str, str | list[str] | None]
    provider: str
    offline: bool
