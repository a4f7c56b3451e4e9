import uuid
from datetime import datetime

from sqlalchemy import CHAR, BigInteger, DateTime, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_metrics.models import Base


class CampaignDimension(Base):
    """A campaign's descriptive attributes, upserted from ``campaign.v1.*`` events. ``campaign_id`` is the
    platform's id (the one metric rows carry); ``updated_at`` is the ``occurred_at`` of the last applied event,
    so an older event delivered late does not overwrite a newer state."""

    __tablename__ = "campaign_dimensions"

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    adpilot_campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    platform: Mapped[str] = mapped_column(String(32))
    external_account_id: Mapped[str] = mapped_column(String(128))
    account_name: Mapped[str | None] = mapped_column(Text)  # NULL until an event carrying it arrives
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[str | None] = mapped_column(String(64))
    daily_budget_micros: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CHAR(3))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
