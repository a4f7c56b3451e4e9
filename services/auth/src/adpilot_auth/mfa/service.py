"""TOTP enrolment, confirmation, the sign-in challenge, recovery codes and disabling MFA."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth import ratelimit
from adpilot_auth.audit.service import RequestContext, record
from adpilot_auth.config import Settings
from adpilot_auth.mfa import qr, recovery, totp
from adpilot_auth.models.login_session import LoginSession
from adpilot_auth.models.recovery_code import RecoveryCode
from adpilot_auth.models.user import User
from adpilot_auth.users.passwords import verify_password
from adpilot_common.crypto import DecryptionError, SecretBox
from adpilot_common.problems import Problem

WRONG_CODE = Problem(401, "Invalid code", "The authentication code is wrong or was already used.")
CHALLENGE_PREFIX = "mfa-challenge:"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    provisioning_uri: str
    qr_png_data_uri: str


async def reauthenticate(
    session: AsyncSession, settings: Settings, user: User, password: str, code: str | None, box: SecretBox
) -> None:
    """ASVS 7.5.1: changing factors needs the password again, and a current code when MFA is on."""
    if not await verify_password(user.password_hash, password):
        raise Problem(401, "Re-authentication failed", "The password is incorrect.")
    if user.totp_confirmed:
        await check_code(session, settings, user, code or "", box, allow_recovery=False)


async def start_enrolment(
    session: AsyncSession, user: User, box: SecretBox, context: RequestContext
) -> Enrolment:
    secret = totp.new_secret()
    user.totp_secret_encrypted = box.encrypt(secret)
    user.totp_confirmed = False
    user.totp_last_step = None
    uri = totp.provisioning_uri(secret, user.email)
    await record(session, "mfa.enrolment_started", context=context, actor_user_id=user.id)
    return Enrolment(secret, uri, qr.qr_png_data_uri(uri))


async def _new_recovery_codes(session: AsyncSession, settings: Settings, user: User) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = recovery.generate_recovery_codes(10)
    pepper = settings.recovery_code_pepper.get_secret_value()
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=recovery.hash_recovery_code(c, pepper=pepper)) for c in codes
    )
    return codes


async def confirm_enrolment(
    session: AsyncSession,
    settings: Settings,
    user: User,
    code: str,
    box: SecretBox,
    session_id: uuid.UUID,
    context: RequestContext,
) -> list[str]:
    """The first valid code turns MFA on; returns the 10 recovery codes (shown once)."""
    if user.totp_secret_encrypted is None or user.totp_confirmed:
        raise Problem(409, detail="Start an enrolment first.")
    step = totp.verify_code(box.decrypt(user.totp_secret_encrypted).decode(), code, last_used_step=None)
    if step is None:
        raise WRONG_CODE
    user.totp_confirmed = True
    user.totp_last_step = step
    login = await session.get(LoginSession, session_id)
    if login is not None:
        login.mfa_verified = True
    await record(session, "mfa.enabled", context=context, actor_user_id=user.id)
    return await _new_recovery_codes(session, settings, user)


async def take_attempt(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, *, now: datetime | None = None
) -> int:
    """One of the user's code attempts in the moving 5 minutes (429 when none is left); returns its slot.

    Call in its own transaction before checking a code, so an attempt counts even though its request rolls
    back; :func:`attempt_did_not_fail` gives the slot back, so only failed codes (or passwords) count.
    """
    return await ratelimit.take(
        session, f"mfa:user:{user_id}", limit=settings.mfa_max_attempts_per_5min, window_s=300, now=now
    )


async def attempt_did_not_fail(session: AsyncSession, slot: int) -> None:
    """Earlier failures stay: clearing them on a success would give a guesser racing the user a fresh allowance."""
    await ratelimit.give_back(session, slot)


async def check_code(
    session: AsyncSession, settings: Settings, user: User, code: str, box: SecretBox, *, allow_recovery: bool
) -> str:
    """Accept a TOTP code (once: its step must be newer than the last) or, if allowed, an unused recovery code."""
    assert user.totp_secret_encrypted is not None
    try:
        secret = box.decrypt(user.totp_secret_encrypted).decode()
    except DecryptionError:
        raise Problem(500, detail="The MFA secret cannot be read; contact an administrator.") from None
    step = totp.verify_code(secret, code, last_used_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    if allow_recovery and recovery.normalise_recovery_code(code) is not None:
        unused = list(
            (
                await session.execute(
                    select(RecoveryCode).where(
                        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
                    )
                )
            ).scalars()
        )
        matched = recovery.verify_recovery_code(
            code, [r.code_hash for r in unused], pepper=settings.recovery_code_pepper.get_secret_value()
        )
        if matched is not None:
            next(r for r in unused if r.code_hash == matched).used_at = datetime.now(UTC)
            return "recovery_code"
    raise WRONG_CODE


async def disable(session: AsyncSession, user: User, context: RequestContext) -> None:
    user.totp_secret_encrypted = None
    user.totp_confirmed = False
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await record(session, "mfa.disabled", context=context, actor_user_id=user.id)


async def regenerate_codes(
    session: AsyncSession, settings: Settings, user: User, context: RequestContext
) -> list[str]:
    if not user.totp_confirmed:
        raise Problem(409, detail="MFA is not enabled.")
    codes = await _new_recovery_codes(session, settings, user)
    await record(session, "mfa.recovery_codes_regenerated", context=context, actor_user_id=user.id)
    return codes


def challenge_token(box: SecretBox, user_id: uuid.UUID) -> str:
    """Proof that the password step passed; only good for the second step, for a few minutes."""
    return box.encrypt(f"{CHALLENGE_PREFIX}{user_id}").decode()


def challenged_user(box: SecretBox, token: str, ttl_s: int) -> uuid.UUID:
    try:
        value = box.decrypt(token.encode(), ttl=ttl_s).decode()
    except DecryptionError:
        raise Problem(401, "Challenge expired", "Sign in again.") from None
    if not value.startswith(CHALLENGE_PREFIX):
        raise Problem(401, "Challenge expired", "Sign in again.")
    return uuid.UUID(value.removeprefix(CHALLENGE_PREFIX))
