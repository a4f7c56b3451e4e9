"""Requests and answers of the write-job API.

A job is a list of operations, each one of ``create_campaign``, ``create_ad_group``, ``create_ad``,
``set_status`` or ``set_budget`` (the ``op`` field). A child may name its parent by the platform's id
(``campaign_id``, ``ad_group_id``, ``external_id``) or, when the parent is created by the same job, by the index
of that earlier operation (``campaign_ref``, ``ad_group_ref``, ``ref``): "campaign + ad group + 200 ads" is one
job. Money is integer micros of the account currency.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from adpilot_common.money import MAX_TYPED_AMOUNT_MICROS
from adpilot_connectors.platforms.base import Level, NewAd, NewAdGroup, NewCampaign, Status

MAX_OPERATIONS = 1000
# The item's error kind when its parent (created earlier in the job) failed; the others are ErrorKind's.
DEPENDENCY_FAILED = "dependency_failed"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.~-]+$")]
# An absolute https URL with a dotted host and no user info (ads link to public sites; no spaces anywhere).
HttpsUrl = Annotated[
    str, StringConstraints(max_length=2048, pattern=r"^https://[^\s/?#@]+\.[^\s/?#@]+([/?#]\S*)?$")
]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LocationId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]
Copy = Annotated[str, StringConstraints(max_length=500)]
Ref = Annotated[int, Field(ge=0, lt=MAX_OPERATIONS)]
# Far above the typed-amount bound, the mirror's BIGINT column, and with it every later sync of the account, would
# break.
BudgetMicros = Annotated[int, Field(gt=0, le=MAX_TYPED_AMOUNT_MICROS)]
NewStatus = Literal["ENABLED", "PAUSED"]


class _Operation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def parent_ref(self) -> int | None:
        """The index of the operation of this job that creates this one's parent (or target)."""
        return None


def _one_of(value: object, ref: int | None, what: str) -> None:
    if (value is None) == (ref is None):
        raise ValueError(f"give exactly one of {what}_id and {what}_ref")


class CreateCampaign(_Operation):
    op: Literal["create_campaign"]
    name: Name
    daily_budget_micros: BudgetMicros
    objective: str | None = Field(default=None, min_length=1, max_length=64)
    status: NewStatus = "PAUSED"  # new campaigns are created paused unless asked otherwise

    def to_new(self) -> NewCampaign:
        return NewCampaign(
            name=self.name,
            daily_budget_micros=self.daily_budget_micros,
            objective=self.objective,
            status=Status(self.status),
        )


class CreateAdGroup(_Operation):
    op: Literal["create_ad_group"]
    campaign_id: ExternalId | None = None
    campaign_ref: Ref | None = None
    name: Name
    status: NewStatus = "PAUSED"
    countries: list[Country] = Field(default_factory=list, max_length=250)
    location_ids: list[LocationId] = Field(default_factory=list, max_length=250)
    age_min: int | None = Field(default=None, ge=13, le=65)
    age_max: int | None = Field(default=None, ge=13, le=65)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_of(self.campaign_id, self.campaign_ref, "campaign")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min is above age_max")
        return self

    def parent_ref(self) -> int | None:
        return self.campaign_ref

    def to_new(self, campaign_id: str) -> NewAdGroup:
        return NewAdGroup(
            campaign_id=campaign_id,
            name=self.name,
            status=Status(self.status),
            countries=tuple(self.countries),
            location_ids=tuple(self.location_ids),
            age_min=self.age_min,
            age_max=self.age_max,
        )


class CreateAd(_Operation):
    op: Literal["create_ad"]
    ad_group_id: ExternalId | None = None
    ad_group_ref: Ref | None = None
    name: Name
    final_url: HttpsUrl
    headlines: list[Copy] = Field(default_factory=list, max_length=15)
    descriptions: list[Copy] = Field(default_factory=list, max_length=4)
    path1: str | None = Field(default=None, max_length=64)
    path2: str | None = Field(default=None, max_length=64)
    status: NewStatus = "PAUSED"
    call_to_action: str | None = Field(default=None, pattern=r"^[A-Z][A-Z_]{1,39}$")
    image_url: HttpsUrl | None = None
    image_id: ExternalId | None = None
    video_id: ExternalId | None = None
    identity_id: ExternalId | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_of(self.ad_group_id, self.ad_group_ref, "ad_group")
        return self

    def parent_ref(self) -> int | None:
        return self.ad_group_ref

    def to_new(self, ad_group_id: str) -> NewAd:
        return NewAd(
            ad_group_id=ad_group_id,
            name=self.name,
            final_url=self.final_url,
            headlines=tuple(self.headlines),
            descriptions=tuple(self.descriptions),
            path1=self.path1 or None,
            path2=self.path2 or None,
            status=Status(self.status),
            call_to_action=self.call_to_action,
            image_url=self.image_url,
            image_id=self.image_id,
            video_id=self.video_id,
            identity_id=self.identity_id,
            display_name=self.display_name,
        )


class SetStatus(_Operation):
    op: Literal["set_status"]
    level: Level
    external_id: ExternalId | None = None
    ref: Ref | None = None  # a campaign, ad group or ad created earlier in this job
    status: Literal["ENABLED", "PAUSED", "REMOVED"]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.external_id is None) == (self.ref is None):
            raise ValueError("give exactly one of external_id and ref")
        return self

    def parent_ref(self) -> int | None:
        return self.ref


class SetBudget(_Operation):
    op: Literal["set_budget"]
    campaign_id: ExternalId | None = None
    campaign_ref: Ref | None = None
    daily_budget_micros: BudgetMicros

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_of(self.campaign_id, self.campaign_ref, "campaign")
        return self

    def parent_ref(self) -> int | None:
        return self.campaign_ref


Operation = Annotated[
    CreateCampaign | CreateAdGroup | CreateAd | SetStatus | SetBudget, Field(discriminator="op")
]
CREATE_OPS: dict[str, Level] = {
    "create_campaign": Level.CAMPAIGN,
    "create_ad_group": Level.AD_GROUP,
    "create_ad": Level.AD,
}
# What a ``*_ref`` may point at, per operation.
REF_TARGETS: dict[str, frozenset[str]] = {
    "create_ad_group": frozenset({"create_campaign"}),
    "create_ad": frozenset({"create_ad_group"}),
    "set_budget": frozenset({"create_campaign"}),
    "set_status": frozenset(CREATE_OPS),
}


class WriteJobRequest(BaseModel):
    """``operations`` are validated one by one (see :mod:`.validation`) so a 422 lists every bad index."""

    model_config = ConfigDict(extra="forbid")

    validate_only: bool = Field(default=False, description="dry run: validate on the platform, write nothing")
    operations: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_OPERATIONS,
        description="each with an 'op': create_campaign, create_ad_group, create_ad, set_status or set_budget",
    )


# --------------------------------------------------------------------------------------------------- answers


class Progress(BaseModel):
    total: int
    succeeded: int
    failed: int
    pending: int


class WriteJobItemOut(BaseModel):
    position: int
    op: str
    status: Literal["pending", "succeeded", "failed"]
    external_id: str | None
    error: str | None
    error_kind: str | None
    attempts: int
    operation: dict[str, Any]


class WriteJobOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    platform: str
    status: str
    validate_only: bool
    created_by: uuid.UUID
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None = Field(
        description="when a deferred job (rate limit, outage) runs again"
    )
    error: str | None
    progress: Progress


class WriteJobDetail(WriteJobOut):
    items: list[WriteJobItemOut]


class WriteJobPage(BaseModel):
    items: list[WriteJobOut]
    total: int
