"""Requests and answers of the generation API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adpilot_ai_copy.brief import CopyBrief


class GenerationRequest(CopyBrief):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    run_async: bool = Field(default=False, alias="async", description="Run as a background job (202 + poll)")

    def brief(self) -> CopyBrief:
        return CopyBrief.model_validate(self.model_dump(exclude={"run_async"}))


class BulkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CopyBrief] = Field(min_length=1, description="Each item becomes one queued generation")


class ApprovalOut(BaseModel):
    account_id: uuid.UUID | None = None
    ad_group_id: str | None = None
    final_url: str | None = None


class PublishOut(BaseModel):
    """Publishing approved copy to its target ad group (connectors create the ad, paused)."""

    state: Literal["queued", "published", "failed"] = Field(
        description="queued: sent to connectors; published: the ad exists (ad_id); failed: see reason"
    )
    ad_id: str | None = Field(default=None, description="The platform's id of the new ad (published)")
    job_id: uuid.UUID | None = Field(default=None, description="connectors' write job, once it ended")
    reason: str | None = Field(
        default=None, description="Why publishing failed (failed): approve again with a corrected target"
    )
    updated_at: datetime | None = None


class VariantOut(BaseModel):
    id: uuid.UUID
    generation_id: uuid.UUID
    platform: str
    position: int
    fields: dict[str, Any]
    status: str = Field(description="draft | approved")
    edited: bool
    regenerations: int
    warnings: list[str]
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    approval: ApprovalOut | None
    publish: PublishOut | None = Field(description="None when the approval named no target (or not approved)")
    updated_at: datetime


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal


class GenerationOut(BaseModel):
    id: uuid.UUID
    status: str = Field(description="queued | running | succeeded | failed")
    batch_id: uuid.UUID | None
    request: dict[str, Any]
    run_async: bool = Field(serialization_alias="async")
    provider: str | None = Field(description="'offline' for the template generator, else the LLM model used")
    offline: bool | None
    cached: bool
    cached_from: uuid.UUID | None
    usage: UsageOut
    error: str | None
    failure_reason: str | None
    created_at: datetime
    finished_at: datetime | None
    variants: list[VariantOut]


class BatchOut(BaseModel):
    batch_id: uuid.UUID
    total: int
    queued: int
    running: int
    succeeded: int
    failed: int
    finished: bool
    generations: list[GenerationOut]
