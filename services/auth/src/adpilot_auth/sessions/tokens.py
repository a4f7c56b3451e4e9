"""Access tokens (short-lived EdDSA JWTs) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from adpilot_auth.keys.service import ActiveKey


def issue_access_token(
    key: ActiveKey,
    *,
    issuer: str,
    audience: str,
    ttl_s: int,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    org_id: uuid.UUID | None,
    role: str | None,
    mfa: bool,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + timedelta(seconds=ttl_s)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "sid": str(session_id),
        "org": str(org_id) if org_id else None,
        "role": role,
        "mfa": mfa,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(16),
    }
    token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": "at+jwt"})
    return token, expires


def new_refresh_token() -> str:
    """256 bits from the OS CSPRNG (ASVS 7.2.3 asks for at least 128)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Refresh tokens are high-entropy, so a plain SHA-256 is a sound way to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
