"""Sign-in, refresh-token rotation with reuse detection, sign-out and session revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from user_agents import parse as parse_user_agent

from adpilot_auth.audit.service import RequestContext, record
from adpilot_auth.config import Settings
from adpilot_auth.keys.service import active_key
from adpilot_auth.models.login_session import LoginSession, RefreshToken
from adpilot_auth.models.org import Membership, Org
from adpilot_auth.models.user import User
from adpilot_auth.sessions.tokens import digest, issue_access_token, new_refresh_token
from adpilot_auth.users.passwords import hash_password, needs_rehash, verify_password
from adpilot_auth.users.service import normalise_email
from adpilot_common.crypto import SecretBox
from adpilot_common.events.contracts.session import SessionRevoked
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.problems import Problem

# Switching to an org that requires MFA in a session that has not passed it (the SPA links to enrolment).
MFA_REQUIRED_PROBLEM = "https://adpilot.dev/problems/org-requires-mfa"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session_id: uuid.UUID


class InvalidCredentials(Exception):
    """Unknown user, wrong password, disabled or locked: deliberately indistinguishable to the caller."""


class InvalidRefreshToken(Exception):
    pass


def describe_device(user_agent: str | None) -> str | None:
    if not user_agent:
        return None
    ua = parse_user_agent(user_agent)
    return f"{ua.browser.family} on {ua.os.family}"[:200]


async def _lockout(user: User, settings: Settings, now: datetime) -> None:
    user.failed_logins += 1
    over = user.failed_logins - settings.lockout_threshold
    if over >= 0:
        user.locked_until = now + timedelta(seconds=min(30 * 2**over, settings.lockout_max_s))


async def authenticate(
    session: AsyncSession, settings: Settings, email: str, password: str, context: RequestContext
) -> User:
    """Check a password. Every failure is recorded (commit it even though the caller answers 401)."""
    now = datetime.now(UTC)
    user = (
        await session.execute(select(User).where(User.email == normalise_email(email)))
    ).scalar_one_or_none()
    valid = await verify_password(user.password_hash if user else None, password)
    refused = None
    if user is None:
        refused = "unknown_user"
    elif user.disabled_at is not None:
        refused = "disabled"
    elif user.locked_until is not None and user.locked_until > now:
        refused = "locked"
    elif not valid:
        refused = "wrong_password"
        await _lockout(user, settings, now)
    if refused is not None:
        await record(
            session,
            "login.failed",
            context=context,
            actor_user_id=user.id if user else None,
            # Filed where a successful sign-in would be, so that org's admins see attempts on their members;
            # an unknown address belongs to no org.
            org_id=await home_org(session, user.id) if user else None,
            changes={"reason": refused},
        )
        raise InvalidCredentials
    assert user is not None and user.password_hash is not None
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    return user


async def default_membership(session: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    return (
        await session.execute(
            select(Membership).where(Membership.user_id == user_id).order_by(Membership.created_at).limit(1)
        )
    ).scalar_one_or_none()


async def home_org(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """The org a sign-in of this user starts in (its audit entries, failed attempts included, are filed there)."""
    membership = await default_membership(session, user_id)
    return membership.org_id if membership else None


async def start_session(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    user: User,
    context: RequestContext,
    *,
    mfa_verified: bool,
    method: str = "password",
) -> IssuedTokens:
    """A new session (never reuse one on re-authentication: ASVS 7.2.4)."""
    now = datetime.now(UTC)
    membership = await default_membership(session, user.id)
    login = LoginSession(
        id=uuid.uuid4(),
        user_id=user.id,
        org_id=membership.org_id if membership else None,
        ip=context.ip,
        user_agent=(context.user_agent or "")[:512] or None,
        device=describe_device(context.user_agent),
        mfa_verified=mfa_verified,
        expires_at=now + timedelta(seconds=settings.session_absolute_ttl_s),
    )
    session.add(login)
    await session.flush()
    await record(
        session,
        "login.succeeded",
        context=context,
        actor_user_id=user.id,
        org_id=login.org_id,
        resource_type="session",
        resource_id=str(login.id),
        changes={"method": method, "mfa": mfa_verified},
    )
    return await _issue(session, settings, box, login, membership.role if membership else None, now)


async def _issue(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    login: LoginSession,
    role: str | None,
    now: datetime,
) -> IssuedTokens:
    refresh = new_refresh_token()
    refresh_expires = min(now + timedelta(seconds=settings.refresh_token_ttl_s), login.expires_at)
    session.add(RefreshToken(token_hash=digest(refresh), session_id=login.id, expires_at=refresh_expires))
    access, access_expires = await access_token(session, settings, box, login, role, now)
    return IssuedTokens(access, access_expires, refresh, refresh_expires, login.id)


async def access_token(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    login: LoginSession,
    role: str | None,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """The session's access token. An org that requires MFA is left out until the session has passed MFA:
    the caller can still enrol (auth endpoints need no org), but no service will act for that org."""
    org_id = login.org_id
    if org_id is not None and not login.mfa_verified:
        org = await session.get(Org, org_id)
        if org is not None and org.require_mfa:
            org_id, role = None, None
    return issue_access_token(
        await active_key(session, box),
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_s=settings.access_token_ttl_s,
        user_id=login.user_id,
        session_id=login.id,
        org_id=org_id,
        role=role,
        mfa=login.mfa_verified,
        now=now,
    )


async def refresh(
    session: AsyncSession, settings: Settings, box: SecretBox, token: str, context: RequestContext
) -> IssuedTokens:
    """Rotate: the presented token is spent and a new one issued. A spent token presented again means it
    leaked (or was stolen from a backup): the whole session is revoked."""
    now = datetime.now(UTC)
    stored = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == digest(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if stored is None:
        raise InvalidRefreshToken
    login = await session.get(LoginSession, stored.session_id, with_for_update=True)
    assert login is not None
    if stored.used_at is not None:
        if login.revoked_at is None:
            await revoke(session, login, "refresh_token_reuse", context=context, actor_user_id=login.user_id)
        raise InvalidRefreshToken
    if login.revoked_at is not None or stored.expires_at <= now or login.expires_at <= now:
        raise InvalidRefreshToken
    user = await session.get(User, login.user_id)
    if user is None or user.disabled_at is not None:
        raise InvalidRefreshToken
    stored.used_at = now
    login.last_active_at = now
    membership = None
    if login.org_id is not None:
        membership = await session.get(Membership, (login.org_id, login.user_id))
    return await _issue(session, settings, box, login, membership.role if membership else None, now)


async def revoke(
    session: AsyncSession,
    login: LoginSession,
    reason: str,
    *,
    context: RequestContext | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> None:
    """End a session now; every service learns it through ``session.v1.revoked`` within seconds."""
    if login.revoked_at is not None:
        return
    now = datetime.now(UTC)
    login.revoked_at = now
    login.revoked_reason = reason
    await record(
        session,
        "session.revoked",
        context=context,
        actor_user_id=actor_user_id,
        org_id=login.org_id,
        resource_type="session",
        resource_id=str(login.id),
        changes={"reason": reason},
    )
    await add_to_outbox(
        session,
        build_event(
            "session.v1.revoked",
            SessionRevoked(session_id=login.id, user_id=login.user_id, revoked_at=now, reason=reason),
            source="auth",
            org_id=login.org_id,
        ),
    )


async def session_for_refresh_token(session: AsyncSession, token: str) -> LoginSession | None:
    stored = await session.get(RefreshToken, digest(token))
    return await session.get(LoginSession, stored.session_id) if stored else None


async def active_sessions(session: AsyncSession, user_id: uuid.UUID) -> list[LoginSession]:
    now = datetime.now(UTC)
    rows = await session.execute(
        select(LoginSession)
        .where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None), LoginSession.expires_at > now
        )
        .order_by(LoginSession.last_active_at.desc())
    )
    return list(rows.scalars())


async def revoke_all(
    session: AsyncSession,
    user_id: uuid.UUID,
    reason: str,
    *,
    keep: uuid.UUID | None = None,
    context: RequestContext | None = None,
) -> int:
    sessions = [s for s in await active_sessions(session, user_id) if s.id != keep]
    for login in sessions:
        await revoke(session, login, reason, context=context, actor_user_id=user_id)
    return len(sessions)


async def switch_org(
    session: AsyncSession, settings: Settings, box: SecretBox, session_id: uuid.UUID, membership: Membership
) -> tuple[str, datetime]:
    """Point the session at another org the user belongs to and mint an access token for it."""
    login = await session.get(LoginSession, session_id)
    if login is None or login.revoked_at is not None or login.user_id != membership.user_id:
        raise InvalidRefreshToken
    org = await session.get(Org, membership.org_id)
    if org is not None and org.require_mfa and not login.mfa_verified:
        # Refused with the reason, the session left where it was: a token without an org would only earn
        # "Select an organisation first" from every service, with no word of MFA.
        user = await session.get(User, login.user_id)
        step = (
            "sign out and sign in again with your authenticator code"
            if user is not None and user.mfa_enabled
            else "set up two-factor authentication under Account security, then sign in again"
        )
        raise Problem(
            403,
            "Two-factor authentication required",
            f"{org.name} requires two-factor authentication: {step}.",
            type_=MFA_REQUIRED_PROBLEM,
            org_id=str(org.id),
        )
    login.org_id = membership.org_id
    return await access_token(session, settings, box, login, membership.role)
