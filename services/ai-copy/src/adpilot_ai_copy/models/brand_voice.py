import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_ai_copy.models import Base


class BrandVoice(Base):
    """An org's voice, guidelines and banned terms. ``version`` grows on every change (part of the cache key)."""

    __tablename__ = "brand_voices"

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    voice: Mapped[str] = mapped_column(Text)
    guidelines: Mapped[str] = mapped_column(Text)
    banned_terms: Mapped[list[str]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
