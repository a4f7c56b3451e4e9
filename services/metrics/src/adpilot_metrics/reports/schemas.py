"""Request and response bodies of the reports API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from adpilot_common.events.contracts.connector import PlatformName
from adpilot_common.events.contracts.report import ReportFormat
from adpilot_metrics.queries.schemas import Bucket

Frequency = Literal["daily", "weekly"]
Title = Field(default="Performance report", min_length=1, max_length=200)


class ReportFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID | None = None
    platform: PlatformName | None = None

    def stored(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump(exclude_none=True).items()}


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    format: ReportFormat
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    bucket: Bucket = "day"
    title: str = Title
    filters: ReportFilters = Field(default_factory=ReportFilters)


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    format: ReportFormat
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    bucket: Bucket
    filters: dict[str, str]
    status: str = Field(description="queued, running, succeeded or failed")
    error: str | None = Field(
        description="Set when the report failed: what to do about it (details are logged)"
    )
    requested_by: uuid.UUID | None
    schedule_id: uuid.UUID | None
    queued_at: datetime
    finished_at: datetime | None
    file_name: str | None
    size_bytes: int | None
    download_path: str | None = Field(default=None, description="Set once the file is ready")


class ReportList(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page")


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Title
    format: ReportFormat
    frequency: Frequency
    weekday: int | None = Field(default=None, ge=0, le=6, description="weekly only: 0 = Monday")
    hour_utc: int = Field(default=6, ge=0, le=23, description="Hour of the day (UTC) the report is made")
    filters: ReportFilters = Field(default_factory=ReportFilters)
    recipients: list[EmailStr] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def weekday_matches_frequency(self) -> ScheduleIn:
        if self.frequency == "weekly" and self.weekday is None:
            raise ValueError("a weekly schedule needs a weekday (0 = Monday ... 6 = Sunday)")
        if self.frequency == "daily" and self.weekday is not None:
            raise ValueError("a daily schedule has no weekday")
        return self


class ScheduleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    format: ReportFormat
    frequency: Frequency
    weekday: int | None
    hour_utc: int
    filters: dict[str, str]
    recipients: list[str]
    created_by: uuid.UUID
    created_at: datetime


class ScheduleList(BaseModel):
    items: list[ScheduleOut]
