"""Report files (published by metrics; notify emails the download link)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

ReportFormat = Literal["pdf", "csv", "xlsx"]


class ReportReady(BaseModel):
    """A report file was generated and stored; it is downloaded through the API with the caller's login (the
    path is relative to the gateway). The org is the envelope's ``org_id``."""

    report_id: uuid.UUID
    format: ReportFormat
    title: str
    date_from: date
    date_to: date
    file_name: str
    size_bytes: int = Field(ge=0)
    download_path: str = Field(description="e.g. /api/metrics/reports/<id>/download")
    requested_by: uuid.UUID | None = Field(
        default=None, description="The user who asked for it; None for a scheduled report"
    )
    schedule_id: uuid.UUID | None = Field(default=None, description="Set when a schedule produced it")
    recipients: list[EmailStr] = Field(
        default_factory=list, description="The schedule's recipients (empty: tell the requester)"
    )


class ReportFailed(BaseModel):
    """A report could not be generated after its retries. The org is the envelope's ``org_id``."""

    report_id: uuid.UUID
    format: ReportFormat
    title: str
    requested_by: uuid.UUID | None = None
    schedule_id: uuid.UUID | None = None
    error: str = Field(description="What went wrong, for the requester (no internals)")
