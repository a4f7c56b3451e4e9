import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_common.jobs import JobColumns
from adpilot_notify.models import Base


class Delivery(Base, JobColumns):
    """One message to one destination for one event, and the job that sends it.

    The unique key (event, channel, destination) makes every notification exactly-once in effect, whatever
    the redeliveries. Digest members point at their digest delivery (``digest_id``) and wait in status
    ``batched`` until it is sent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "destination", name="uq_deliveries_event_dest"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_type: Mapped[str] = mapped_column(String(255))
    org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(String(32))
    # Email address, E.164 number, or the webhook endpoint id.
    destination: Mapped[str] = mapped_column(String(512))
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    template: Mapped[str] = mapped_column(String(128))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Template variables (may hold one-time tokens for links: never returned by the API, never logged).
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Start of the current retry window (creation, or a manual retry).
    retry_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeliveryAttempt(Base):
    """One send attempt of a delivery (the delivery log's detail)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    outcome: Mapped[str] = mapped_column(String(16))  # sent | retry | failed
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
