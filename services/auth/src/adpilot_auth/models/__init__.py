"""SQLAlchemy models of the auth service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


# Importing the modules registers their tables on Base.metadata.
from adpilot_auth.models.audit import AuditEntry  # noqa: E402
from adpilot_auth.models.invitation import Invitation  # noqa: E402
from adpilot_auth.models.login_session import LoginSession, RefreshToken  # noqa: E402
from adpilot_auth.models.one_time_token import OneTimeToken  # noqa: E402
from adpilot_auth.models.org import Membership, Org  # noqa: E402
from adpilot_auth.models.rate_limit import RateLimitAttempt, RateLimitCounter  # noqa: E402
from adpilot_auth.models.recovery_code import RecoveryCode  # noqa: E402
from adpilot_auth.models.signing_key import SigningKey  # noqa: E402
from adpilot_auth.models.sso import SsoIdentity, SsoLoginState  # noqa: E402
from adpilot_auth.models.user import User  # noqa: E402

__all__ = [
    "AuditEntry",
    "Base",
    "Invitation",
    "LoginSession",
    "Membership",
    "OneTimeToken",
    "Org",
    "RateLimitAttempt",
    "RateLimitCounter",
    "RecoveryCode",
    "RefreshToken",
    "SigningKey",
    "SsoIdentity",
    "SsoLoginState",
    "User",
]
