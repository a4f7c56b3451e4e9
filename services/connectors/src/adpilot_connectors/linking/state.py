"""Pending OAuth authorizations: single-use, expiring ``state`` values bound to a login session and a browser.

The ``state`` sent to the platform is random and stored only as its SHA-256 digest. It is bound to the org, the
user and the login session that started the flow, and to the browser through an HttpOnly SameSite=Lax cookie
holding a nonce whose digest is stored with it: a callback carrying someone else's state (an attacker who wants
the victim's org to use the attacker's ad account, or the other way round) has no matching cookie and is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import DecryptionError, SecretBox
from adpilot_connectors.config import Settings
from adpilot_connectors.credentials import seal, unseal
from adpilot_connectors.models import OAuthState
from adpilot_connectors.platforms.base import Platform

COOKIE_PATH = "/api/connectors/oauth"
# Expired states are kept this long so a late callback is told "expired" rather than "unknown".
EXPIRED_STATE_RETENTION = timedelta(days=1)


class LinkError:
    """The short codes the callback puts in ``/accounts?link_error=<code>`` (the web app explains them)."""

    INVALID_STATE = "invalid_state"  # unknown or already used
    EXPIRED_STATE = "expired_state"
    STATE_MISMATCH = "state_mismatch"  # another browser, or another platform's callback
    SESSION_REVOKED = "session_revoked"  # the user signed out (or was signed out) meanwhile
    ACCESS_DENIED = "access_denied"  # the user declined on the platform
    NOT_CONFIGURED = "not_configured"
    EXCHANGE_FAILED = "exchange_failed"  # the platform refused the code
    PLATFORM_ERROR = "platform_error"  # the platform was unreachable or failed
    NO_ACCOUNTS = "no_accounts"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def cookie_name(platform: Platform) -> str:
    # One cookie per platform, so linking Google and Meta in two tabs at once does not spoil either flow.
    return f"adpilot_oauth_{platform.value}"


@dataclass(frozen=True)
class NewState:
    state: str
    browser_nonce: str  # the cookie value; only its digest is stored
    code_verifier: str | None
    expires_at: datetime


@dataclass(frozen=True)
class PendingLink:
    platform: Platform
    org_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    code_verifier: str | None


@dataclass(frozen=True)
class Consumed:
    pending: PendingLink | None
    error: str | None  # a LinkError code when pending is None


async def begin(
    session: AsyncSession,
    box: SecretBox,
    *,
    platform: Platform,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    pkce: bool,
    ttl_s: int,
) -> NewState:
    now = datetime.now(UTC)
    await session.execute(delete(OAuthState).where(OAuthState.expires_at < now - EXPIRED_STATE_RETENTION))
    new = NewState(
        state=secrets.token_urlsafe(32),
        browser_nonce=secrets.token_urlsafe(32),
        # 86 characters of [A-Za-z0-9_-]: RFC 7636 allows 43-128.
        code_verifier=secrets.token_urlsafe(64) if pkce else None,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    session.add(
        OAuthState(
            state_digest=digest(new.state),
            org_id=org_id,
            user_id=user_id,
            session_id=session_id,
            platform=platform.value,
            code_verifier_encrypted=seal(box, new.code_verifier) if new.code_verifier else None,
            browser_digest=digest(new.browser_nonce),
            expires_at=new.expires_at,
        )
    )
    return new


async def consume(
    session: AsyncSession, box: SecretBox, *, state: str, platform: Platform, browser_nonce: str | None
) -> Consumed:
    """Spend a state. Every presentation of a known state spends it, so the caller commits even on refusal."""
    now = datetime.now(UTC)
    row = (
        await session.execute(
            select(OAuthState).where(OAuthState.state_digest == digest(state)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.used_at is not None:
        return Consumed(None, LinkError.INVALID_STATE)
    row.used_at = now
    if row.expires_at <= now:
        return Consumed(None, LinkError.EXPIRED_STATE)
    if row.platform != platform.value:
        return Consumed(None, LinkError.STATE_MISMATCH)
    if not browser_nonce or not hmac.compare_digest(digest(browser_nonce), row.browser_digest):
        return Consumed(None, LinkError.STATE_MISMATCH)
    verifier: str | None = None
    if row.code_verifier_encrypted:
        try:
            verifier = unseal(box, row.code_verifier_encrypted)
        except DecryptionError:
            return Consumed(None, LinkError.INVALID_STATE)
    return Consumed(PendingLink(platform, row.org_id, row.user_id, row.session_id, verifier), None)


def set_browser_cookie(response: Response, settings: Settings, platform: Platform, nonce: str) -> None:
    # Lax, not Strict: the callback is a top-level navigation coming back from the platform's site.
    response.set_cookie(
        cookie_name(platform),
        nonce,
        max_age=settings.oauth_state_ttl_s,
        path=COOKIE_PATH,
        secure=not settings.is_development,
        httponly=True,
        samesite="lax",
    )


def clear_browser_cookie(response: Response, settings: Settings, platform: Platform) -> None:
    response.delete_cookie(
        cookie_name(platform),
        path=COOKIE_PATH,
        secure=not settings.is_development,
        httponly=True,
        samesite="lax",
    )
