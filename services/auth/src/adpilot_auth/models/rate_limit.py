from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_auth.models import Base


class RateLimitCounter(Base):
    """Fixed-window hit counters shared by every replica (SSO starts and callbacks per IP)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


class RateLimitAttempt(Base):
    """Moving-window attempts shared by every replica (failed sign-ins per IP, MFA codes per user): one row per
    attempt that counts."""

    __tablename__ = "rate_limit_attempts"
    __table_args__ = (Index("ix_rate_limit_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
