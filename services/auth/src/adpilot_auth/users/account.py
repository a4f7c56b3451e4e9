"""Email verification, forgotten-password reset and password change (single-use expiring tokens)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.audit.service import RequestContext, record
from adpilot_auth.models.one_time_token import OneTimeToken
from adpilot_auth.models.user import User
from adpilot_auth.sessions.service import revoke_all
from adpilot_auth.sessions.tokens import digest
from adpilot_auth.users.passwords import hash_password, verify_password
from adpilot_auth.users.policy import check_password
from adpilot_auth.users.schemas import RegistrationRequest
from adpilot_auth.users.service import create_account, normalise_email
from adpilot_common.events.contracts.user import (
    EmailVerificationRequested,
    PasswordChanged,
    PasswordResetRequested,
)
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.problems import Problem

VERIFY_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
INVALID_TOKEN = Problem(400, "Invalid or expired link", "Request a new link.")


async def _issue(session: AsyncSession, user: User, purpose: str, ttl: timedelta) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + ttl
    session.add(OneTimeToken(token_hash=digest(token), user_id=user.id, purpose=purpose, expires_at=expires))
    return token, expires


async def _redeem(session: AsyncSession, token: str, purpose: str) -> User:
    row = (
        await session.execute(
            select(OneTimeToken).where(OneTimeToken.token_hash == digest(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if (
        row is None
        or row.purpose != purpose
        or row.used_at is not None
        or row.expires_at <= datetime.now(UTC)
    ):
        raise INVALID_TOKEN
    row.used_at = datetime.now(UTC)
    user = await session.get(User, row.user_id, with_for_update=True)
    if user is None or user.disabled_at is not None:
        raise INVALID_TOKEN
    return user


async def request_verification(session: AsyncSession, user: User) -> None:
    if user.email_verified_at is not None:
        return
    token, expires = await _issue(session, user, "verify_email", VERIFY_TTL)
    await add_to_outbox(
        session,
        build_event(
            "user.v1.email_verification_requested",
            EmailVerificationRequested(user_id=user.id, email=user.email, token=token, expires_at=expires),
            source="auth",
        ),
    )


async def verify_email(session: AsyncSession, token: str, context: RequestContext) -> None:
    user = await _redeem(session, token, "verify_email")
    user.email_verified_at = datetime.now(UTC)
    await record(session, "email.verified", context=context, actor_user_id=user.id)


async def request_reset(session: AsyncSession, email: str, context: RequestContext) -> None:
    """Silent when the address is unknown: the answer must not reveal which accounts exist."""
    user = (
        await session.execute(select(User).where(User.email == normalise_email(email)))
    ).scalar_one_or_none()
    if user is None or user.disabled_at is not None:
        return
    token, expires = await _issue(session, user, "reset_password", RESET_TTL)
    await record(session, "password.reset_requested", context=context, actor_user_id=user.id)
    await add_to_outbox(
        session,
        build_event(
            "user.v1.password_reset_requested",
            PasswordResetRequested(user_id=user.id, email=user.email, token=token, expires_at=expires),
            source="auth",
        ),
    )


async def _set_password(session: AsyncSession, user: User, password: str, *, via_reset: bool) -> None:
    check_password(password, user.email)
    now = datetime.now(UTC)
    user.password_hash = await hash_password(password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    await add_to_outbox(
        session,
        build_event(
            "user.v1.password_changed",
            PasswordChanged(user_id=user.id, email=user.email, changed_at=now, via_reset=via_reset),
            source="auth",
        ),
    )


async def reset_password(
    session: AsyncSession, token: str, new_password: str, context: RequestContext
) -> User:
    """Set a new password from a reset link; every session ends (the old password may be known to someone).

    No session is started here: signing in afterwards still asks for the second factor (ASVS 6.4.3)."""
    user = await _redeem(session, token, "reset_password")
    await _set_password(session, user, new_password, via_reset=True)
    await revoke_all(session, user.id, "password_reset", context=context)
    await record(session, "password.reset", context=context, actor_user_id=user.id)
    return user


async def change_password(
    session: AsyncSession,
    user_id: uuid.UUID,
    current: str,
    new: str,
    *,
    end_other_sessions: bool,
    keep_session: uuid.UUID,
    context: RequestContext,
) -> int:
    user = await session.get(User, user_id, with_for_update=True)
    assert user is not None
    if not await verify_password(user.password_hash, current):
        raise Problem(401, "Re-authentication failed", "The current password is incorrect.")
    await _set_password(session, user, new, via_reset=False)
    ended = 0
    if end_other_sessions:
        ended = await revoke_all(session, user_id, "password_changed", keep=keep_session, context=context)
    await record(
        session,
        "password.changed",
        context=context,
        actor_user_id=user_id,
        changes={"other_sessions_ended": ended},
    )
    return ended


async def register_user(session: AsyncSession, request: RegistrationRequest) -> uuid.UUID | None:
    """Password sign-up. The caller answers identically whether or not the address existed (no enumeration)."""
    check_password(request.password, request.email)
    user = await create_account(
        session,
        request.email,
        password_hash=await hash_password(request.password),
        display_name=request.display_name,
    )
    if user is None:
        return None
    await request_verification(session, user)
    return user.id
