import uuid
from datetime import date, datetime

from sqlalchemy import CHAR, Boolean, Date, DateTime, PrimaryKeyConstraint, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_metrics.models import Base
from adpilot_metrics.models.sums import MetricSums


class MetricFact(MetricSums, Base):
    """One daily row of a campaign (ad group and ad '') or of an ad. Range-partitioned by month of ``day``
    (partitions made by ``ensure_metric_fact_partitions``, see migration 0003); the key includes ``day``
    as partitioning requires, and '' instead of NULL keeps campaign-level rows unique. ``day`` comes third in
    the key so the merge's lookup of an account's days is a tight index range (migration 0007)."""

    __tablename__ = "metric_facts"
    __table_args__ = (
        PrimaryKeyConstraint(
            "org_id", "account_id", "day", "campaign_id", "ad_group_id", "ad_id", name="pk_metric_facts"
        ),
        {"postgresql_partition_by": "RANGE (day)"},
    )

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    campaign_id: Mapped[str] = mapped_column(String(128))
    ad_group_id: Mapped[str] = mapped_column(String(128), server_default="")
    ad_id: Mapped[str] = mapped_column(String(128), server_default="")
    day: Mapped[date] = mapped_column(Date)
    platform: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(CHAR(3))
    provisional: Mapped[bool] = mapped_column(Boolean, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
