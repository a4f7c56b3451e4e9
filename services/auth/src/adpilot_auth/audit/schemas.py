import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    id: int
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    action: str
    resource_type: str | None
    resource_id: str | None
    changes: dict[str, Any] | None
    ip: str | None
    user_agent: str | None
    source: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: int | None
