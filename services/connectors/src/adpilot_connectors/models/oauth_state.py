"""A pending OAuth authorization: binds the ``state`` parameter to the user's login session."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_connectors.models import Base


class OAuthState(Base):
    __tablename__ = "oauth_states"

    # SHA-256 of the state value sent to the platform; the value itself is only in the user's browser.
    state_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    session_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    platform: Mapped[str] = mapped_column(String(16))
    code_verifier_encrypted: Mapped[str | None] = mapped_column(Text)  # PKCE
    # SHA-256 of the nonce in the browser's HttpOnly cookie: the callback must come from the browser that started.
    browser_digest: Mapped[str] = mapped_column(String(64))
    return_to: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
