import uuid
from datetime import date, datetime

from sqlalchemy import CHAR, Boolean, Date, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_metrics.models import Base
from adpilot_metrics.models.sums import MetricSums


class DailyCampaignRollup(MetricSums, Base):
    """Sum of a campaign's facts for one day, moved by deltas as facts are merged (never recomputed)."""

    __tablename__ = "daily_campaign_rollups"
    __table_args__ = (
        Index("ix_daily_campaign_rollups_org_day", "org_id", "day"),
        # Migration 0004: a campaign filter without an account reads one campaign, not the whole org.
        Index("ix_daily_campaign_rollups_org_campaign_day", "org_id", "campaign_id", "day"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(CHAR(3))
    provisional: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DailyAccountRollup(MetricSums, Base):
    """Sum of an ad account's facts for one day, maintained like :class:`DailyCampaignRollup`."""

    __tablename__ = "daily_account_rollups"
    __table_args__ = (Index("ix_daily_account_rollups_org_day", "org_id", "day"),)

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(CHAR(3))
    provisional: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
