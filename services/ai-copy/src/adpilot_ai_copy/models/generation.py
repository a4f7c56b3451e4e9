import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, Numeric, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_ai_copy.models import Base
from adpilot_common.jobs import JobColumns


class Generation(Base, JobColumns):
    """One copy request. Synchronous ones are stored finished; async and bulk ones are leased jobs."""

    __tablename__ = "generations"
    __table_args__ = (
        Index("ix_generations_org_created", "org_id", "created_at"),
        Index("ix_generations_batch", "batch_id", postgresql_where=text("batch_id IS NOT NULL")),
        Index(
            "ix_generations_cache",
            "org_id",
            "cache_key",
            "created_at",
            postgresql_where=text("status = 'succeeded' AND cached_from IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    cache_key: Mapped[str] = mapped_column(String(64))
    brand_voice_version: Mapped[int] = mapped_column(Integer)
    is_async: Mapped[bool] = mapped_column(Boolean)
    provider: Mapped[str | None] = mapped_column(String(255))
    offline: Mapped[bool | None] = mapped_column(Boolean)
    cached_from: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(16, 8), default=Decimal(0))
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
