"""Sync runs as the API shows them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class SyncRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    trigger: str  # schedule | manual
    status: str  # queued | running | succeeded | failed
    requested_by: uuid.UUID | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    metrics_from: date | None
    metrics_to: date | None
    metric_rows: int
    campaigns_created: int
    campaigns_updated: int
    error: str | None
    error_kind: str | None
