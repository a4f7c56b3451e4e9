"""SSO login states (single-use, expiring, bound to one browser) and what a verified Google identity may do.

Account matching is by the provider's ``sub`` only. A verified email that belongs to an existing account is
never linked automatically on sign-in (whoever controls the Google account would take over the AdPilot
account, e.g. after an address was recycled): the owner signs in and links Google from their settings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.login_session import LoginSession, RefreshToken
from adpilot_auth.models.sso import SsoIdentity, SsoLoginState
from adpilot_auth.models.user import User
from adpilot_auth.sessions.service import session_for_refresh_token
from adpilot_auth.sessions.tokens import digest as token_digest
from adpilot_auth.users.service import create_account, normalise_email
from adpilot_common.crypto import DecryptionError, SecretBox

PROVIDER = "google"
STATE_TTL = timedelta(minutes=10)
MAX_REDIRECT_LENGTH = 1024

Intent = Literal["login", "link"]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def safe_redirect(target: str | None) -> str:
    """A path on our own origin, or "/": never a scheme, a host, "//host" or "/\\host" (open redirects)."""
    if not target or len(target) > MAX_REDIRECT_LENGTH or not target.startswith("/"):
        return "/"
    if target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):  # whitespace, control characters
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@dataclass(frozen=True)
class NewFlow:
    state: str
    nonce: str
    code_verifier: str
    browser_secret: str  # the HttpOnly cookie value; only its digest is stored


@dataclass(frozen=True)
class PendingLogin:
    intent: Intent
    link_user_id: uuid.UUID | None
    redirect_after: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class ConsumedState:
    pending: PendingLogin | None
    reason: str | None  # why it was refused, when pending is None


async def begin(
    session: AsyncSession,
    box: SecretBox,
    *,
    intent: Intent,
    redirect_after: str | None,
    link_user_id: uuid.UUID | None = None,
) -> NewFlow:
    now = datetime.now(UTC)
    await session.execute(delete(SsoLoginState).where(SsoLoginState.expires_at < now))
    flow = NewFlow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 characters of [A-Za-z0-9_-]: RFC 7636 allows 43-128
        browser_secret=secrets.token_urlsafe(32),
    )
    session.add(
        SsoLoginState(
            state_hash=digest(flow.state),
            provider=PROVIDER,
            nonce=flow.nonce,
            code_verifier_encrypted=box.encrypt(flow.code_verifier),
            browser_binding=digest(flow.browser_secret),
            intent=intent,
            link_user_id=link_user_id,
            redirect_after=safe_redirect(redirect_after),
            expires_at=now + STATE_TTL,
        )
    )
    return flow


async def consume(
    session: AsyncSession, box: SecretBox, state: str, browser_secret: str | None
) -> ConsumedState:
    """Spend a state. Any presentation spends it, so commit even when it is refused."""
    now = datetime.now(UTC)
    row = (
        await session.execute(
            select(SsoLoginState).where(SsoLoginState.state_hash == digest(state)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.provider != PROVIDER:
        return ConsumedState(None, "unknown_state")
    if row.used_at is not None:
        return ConsumedState(None, "state_reused")
    row.used_at = now
    if row.expires_at <= now:
        return ConsumedState(None, "state_expired")
    # The login-CSRF defence: the callback must arrive in the browser that started the flow.
    if not browser_secret or not hmac.compare_digest(digest(browser_secret), row.browser_binding):
        return ConsumedState(None, "browser_mismatch")
    try:
        verifier = box.decrypt(row.code_verifier_encrypted).decode()
    except DecryptionError:
        return ConsumedState(None, "undecryptable_state")
    intent: Intent = "link" if row.intent == "link" else "login"
    return ConsumedState(
        PendingLogin(intent, row.link_user_id, safe_redirect(row.redirect_after), row.nonce, verifier), None
    )


class SsoRefused(Exception):
    """A verified identity that may not do what it asked; mapped to a problem response by the endpoint."""

    def __init__(
        self, status: int, title: str, detail: str, reason: str, user_id: uuid.UUID | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.reason = reason
        self.user_id = user_id


@dataclass(frozen=True)
class VerifiedIdentity:
    subject: str
    email: str
    name: str | None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> VerifiedIdentity:
        """Requires a verified email (Google sends a JSON boolean; some providers send "true")."""
        email = claims.get("email")
        verified = claims.get("email_verified")
        if not isinstance(email, str) or "@" not in email or len(email) > 320:
            raise SsoRefused(403, "Email required", "The Google account shares no email address.", "no_email")
        if verified is not True and verified != "true":
            raise SsoRefused(
                403,
                "Email not verified",
                "Google has not verified this account's email address.",
                "email_not_verified",
            )
        name = claims.get("name")
        return cls(
            subject=str(claims["sub"]),
            email=normalise_email(email),
            name=name[:200] if isinstance(name, str) and name.strip() else None,
        )


@dataclass(frozen=True)
class Outcome:
    user: User
    action: Literal["signed_in", "signed_up", "linked"]


async def _identity(session: AsyncSession, subject: str) -> SsoIdentity | None:
    return (
        await session.execute(
            select(SsoIdentity).where(SsoIdentity.provider == PROVIDER, SsoIdentity.subject == subject)
        )
    ).scalar_one_or_none()


async def _add_identity(session: AsyncSession, user_id: uuid.UUID, identity: VerifiedIdentity) -> bool:
    """Race-safe: False when that (provider, subject) was linked concurrently."""
    inserted = await session.execute(
        insert(SsoIdentity)
        .values(
            id=uuid.uuid4(),
            user_id=user_id,
            provider=PROVIDER,
            subject=identity.subject,
            email=identity.email,
        )
        .on_conflict_do_nothing(index_elements=[SsoIdentity.provider, SsoIdentity.subject])
        .returning(SsoIdentity.id)
    )
    return inserted.first() is not None


def _usable(user: User | None) -> User:
    if user is None or user.disabled_at is not None:
        raise SsoRefused(403, "Account disabled", "This account cannot sign in.", "disabled")
    return user


async def complete(
    session: AsyncSession, pending: PendingLogin, identity: VerifiedIdentity, *, allow_signup: bool
) -> Outcome:
    existing = await _identity(session, identity.subject)
    if pending.intent == "link":
        assert pending.link_user_id is not None
        user = _usable(await session.get(User, pending.link_user_id))
        if existing is not None:
            if existing.user_id != user.id:
                raise SsoRefused(
                    409,
                    "Google account already linked",
                    "This Google account is linked to another AdPilot account.",
                    "identity_taken",
                    user.id,
                )
            return Outcome(user, "linked")  # already linked to this very user: idempotent
        if not await _add_identity(session, user.id, identity):
            raise SsoRefused(
                409,
                "Google account already linked",
                "This Google account is linked to another AdPilot account.",
                "identity_taken",
                user.id,
            )
        return Outcome(user, "linked")

    if existing is not None:
        user = _usable(await session.get(User, existing.user_id))
        existing.email = identity.email
        return Outcome(user, "signed_in")

    taken = (await session.execute(select(User.id).where(User.email == identity.email))).scalar_one_or_none()
    if taken is not None:
        raise SsoRefused(
            409,
            "Account exists",
            "An account with this email already exists. Sign in with your password, then link Google "
            "from your account settings.",
            "email_taken",
            taken,
        )
    if not allow_signup:
        raise SsoRefused(403, "Sign-up disabled", "Signing up with Google is not enabled.", "signup_disabled")
    created = await create_account(session, identity.email, password_hash=None, display_name=identity.name)
    if created is None:  # registered concurrently
        raise SsoRefused(409, "Account exists", "An account with this email already exists.", "email_taken")
    # Google verified the address: no verification email needed.
    await session.execute(update(User).where(User.id == created.id).values(email_verified_at=func.now()))
    if not await _add_identity(session, created.id, identity):
        raise SsoRefused(409, "Google account already linked", "Try signing in again.", "identity_taken")
    account = await session.get(User, created.id)
    assert account is not None
    return Outcome(account, "signed_up")


async def user_for_refresh_cookie(
    session: AsyncSession, token: str | None
) -> tuple[User, LoginSession] | None:
    """The signed-in user behind a live (unspent, unexpired, unrevoked) refresh token."""
    if not token:
        return None
    now = datetime.now(UTC)
    login = await session_for_refresh_token(session, token)
    stored = await session.get(RefreshToken, token_digest(token))
    if login is None or stored is None or stored.used_at is not None or stored.expires_at <= now:
        return None
    if login.revoked_at is not None or login.expires_at <= now:
        return None
    user = await session.get(User, login.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user, login


async def identities_of(session: AsyncSession, user_id: uuid.UUID) -> list[SsoIdentity]:
    rows = await session.execute(
        select(SsoIdentity).where(SsoIdentity.user_id == user_id).order_by(SsoIdentity.created_at)
    )
    return list(rows.scalars())


async def unlink(session: AsyncSession, user: User) -> list[SsoIdentity]:
    """Remove the user's Google identities, unless that would leave them no way to sign in."""
    identities = await identities_of(session, user.id)
    google = [i for i in identities if i.provider == PROVIDER]
    if not google:
        raise SsoRefused(404, "Not linked", "No Google account is linked to this account.", "not_linked")
    others = [i for i in identities if i.provider != PROVIDER]
    if user.password_hash is None and not others:
        raise SsoRefused(
            409,
            "Last sign-in method",
            "Google is the only way to sign in to this account. Set a password before unlinking it.",
            "last_login_method",
            user.id,
        )
    for identity in google:
        await session.delete(identity)
    return google
