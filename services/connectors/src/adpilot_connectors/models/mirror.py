"""The campaign structure mirrored from the platforms: campaigns, ad groups and ads of each ad account.

``fingerprint`` is a digest of the fields we compare, so change detection is one string comparison per row.
Parents are referenced by the platform's ids (``campaign_external_id``): the platform is the source of truth.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_connectors.models import Base


class _MirrorColumns:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ad_accounts.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CampaignRow(_MirrorColumns, Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    objective: Mapped[str | None] = mapped_column(String(64))
    daily_budget_micros: Mapped[int | None] = mapped_column(BigInteger)


class AdGroupRow(_MirrorColumns, Base):
    __tablename__ = "ad_groups"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    campaign_external_id: Mapped[str] = mapped_column(String(64))


class AdRow(_MirrorColumns, Base):
    __tablename__ = "ads"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    ad_group_external_id: Mapped[str] = mapped_column(String(64))
    headlines: Mapped[list[str]] = mapped_column(JSONB, default=list)
    descriptions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    final_url: Mapped[str | None] = mapped_column(Text)
