"""A linked ad-platform login of an org: encrypted OAuth tokens and their health."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_connectors.models import Base


class ConnectionStatus:
    ACTIVE = "active"
    RECONNECT_REQUIRED = "reconnect_required"


class PlatformConnection(Base):
    __tablename__ = "platform_connections"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    # Who linked it (to tell them when it needs reconnecting) and as whom on the platform.
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    external_user_id: Mapped[str | None] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(200))
    # Fernet (MultiFernet) ciphertexts; plaintext tokens never touch the database or the logs.
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[str | None] = mapped_column(Text)
    login_customer_id: Mapped[str | None] = mapped_column(String(32))  # Google Ads manager account
    status: Mapped[str] = mapped_column(String(32), default=ConnectionStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(Text)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The token expiry the "expires soon" warning was sent for: one warning per expiry, not one per check.
    expiry_warned_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The platform's quota for this login is exhausted until then (every replica honours it).
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
