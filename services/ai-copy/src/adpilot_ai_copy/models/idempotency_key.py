import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_ai_copy.models import Base


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` of ``POST /generations``, per org and user: the request it answered (by hash)
    and its outcome, so a retry gets the same generation instead of a new LLM call. ``status_code`` is None
    while the first request is still in flight (its generation row may not exist yet)."""

    __tablename__ = "idempotency_keys"
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the canonical request body
    generation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # a failed synchronous answer's problem
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
