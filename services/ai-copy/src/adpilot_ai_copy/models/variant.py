import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_ai_copy.models import Base


class CopyVariant(Base):
    """One variant of a generation for one platform. ``generated`` is what the generator produced (what the
    cache serves again); ``fields`` is the current copy after regenerations and hand edits."""

    __tablename__ = "copy_variants"
    __table_args__ = (Index("ix_copy_variants_generation", "generation_id", "platform", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    generation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    generated: Mapped[dict[str, Any]] = mapped_column(JSONB)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | approved
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    regenerations: Mapped[int] = mapped_column(Integer, default=0)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # target account / ad group / final URL
    # Publishing the approved copy to its target (connectors reports how it ended): queued | published | failed,
    # None when the approval named no target. Only outcomes of the latest approval (its event id) count.
    publish_state: Mapped[str | None] = mapped_column(String(16))
    publish_approval_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    publish_job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    published_ad_id: Mapped[str | None] = mapped_column(String(64))
    publish_error: Mapped[str | None] = mapped_column(Text)
    publish_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
