import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_auth.models import Base


class SsoIdentity(Base):
    """An external (OpenID Connect) identity that signs a user in: the provider's ``sub``, never the email."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    # The provider's (verified) address when last seen; informational only, never used to match accounts.
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SsoLoginState(Base):
    """One authorization request in flight: single-use, expires after 10 minutes, bound to one browser.

    The ``state`` value and the browser-binding cookie are stored as SHA-256 digests; the PKCE verifier is
    encrypted with the service's SecretBox.
    """

    __tablename__ = "sso_login_states"
    __table_args__ = (CheckConstraint("intent IN ('login', 'link')", name="intent"),)

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    browser_binding: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str] = mapped_column(String(8))
    link_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE")
    )
    # A relative path on our own origin ("/..." but never "//..."), checked before it is stored.
    redirect_after: Mapped[str] = mapped_column(String(1024), default="/", server_default="/")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
