"""Audit entries other services ask auth to append to the organisation's audit log."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field


class AuditRequested(BaseModel):
    """Published by any service on ``audit.v1.requested``; auth appends it (idempotently) to the audit log."""

    action: str = Field(max_length=64)
    actor_user_id: uuid.UUID | None = None
    resource_type: str | None = Field(default=None, max_length=64)
    resource_id: str | None = Field(default=None, max_length=128)
    changes: dict[str, Any] | None = None
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
