"""Access-token verification, session revocation and FastAPI auth dependencies shared by every service.

``tokens``: :class:`TokenVerifier`, :class:`JwksCache`, :class:`AccessClaims`, :class:`InvalidToken`;
``revocations``: :class:`RevocationSet`, :class:`RevocationListener`;
``dependencies``: :func:`principal`, :func:`require_role`, :class:`AuthGuard`, :func:`install_auth`;
``settings``: :class:`TokenVerificationSettings`.
"""

from adpilot_common.security.dependencies import (
    AuthGuard,
    Principal,
    auth_guard_of,
    install_auth,
    principal,
    require_role,
)
from adpilot_common.security.revocations import REVOKED_SUBJECT, RevocationListener, RevocationSet
from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.security.tokens import (
    AccessClaims,
    InvalidToken,
    InvalidTokenReason,
    JwksCache,
    JwksUnavailable,
    Role,
    TokenVerifier,
    parse_jwks,
)

__all__ = [
    "REVOKED_SUBJECT",
    "AccessClaims",
    "AuthGuard",
    "InvalidToken",
    "InvalidTokenReason",
    "JwksCache",
    "JwksUnavailable",
    "Principal",
    "RevocationListener",
    "RevocationSet",
    "Role",
    "TokenVerificationSettings",
    "TokenVerifier",
    "auth_guard_of",
    "install_auth",
    "parse_jwks",
    "principal",
    "require_role",
]
