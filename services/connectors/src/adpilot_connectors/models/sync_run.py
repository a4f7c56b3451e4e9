"""One sync of one ad account (a leased job): structure mirror plus incremental metrics."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_common.jobs import JobColumns
from adpilot_connectors.models import Base


class SyncRun(JobColumns, Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        # At most one queued or running sync per account: a tick or "sync now" during a run adds nothing.
        Index(
            "uq_sync_runs_active_account",
            "account_id",
            unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ad_accounts.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual
    requested_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    metrics_from: Mapped[date | None] = mapped_column(Date)
    metrics_to: Mapped[date | None] = mapped_column(Date)
    metric_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    campaigns_created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    campaigns_updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_kind: Mapped[str | None] = mapped_column(String(32))
