"""MFA: enrol TOTP (QR), confirm, second sign-in step, recovery codes, disable."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.audit.service import record
from adpilot_auth.context import AuthDeps, Caller, Deps
from adpilot_auth.mfa import service
from adpilot_auth.mfa.schemas import (
    CodeSubmission,
    EnrolmentOut,
    MfaLogin,
    PasswordConfirmation,
    RecoveryCodesOut,
)
from adpilot_auth.models.user import User
from adpilot_auth.sessions import service as sessions
from adpilot_auth.sessions.endpoints import token_response
from adpilot_auth.sessions.schemas import TokenResponse
from adpilot_common.problems import Problem
from adpilot_common.security.tokens import AccessClaims

router = APIRouter(prefix="/api/auth", tags=["mfa"])


@asynccontextmanager
async def _code_attempt(deps: AuthDeps, user_id: uuid.UUID) -> AsyncIterator[int]:
    """Takes one of the user's MFA attempts (429 when none is left) and yields its slot.

    The request gives the slot back in the transaction that commits its success. Only a wrong code or password
    (401) keeps it. A refusal unrelated to the code (409) also gives it back. An unexpected error keeps it.
    """
    async with deps.sessions() as session, session.begin():
        slot = await service.take_attempt(session, deps.settings, user_id)
    try:
        yield slot
    except Problem as problem:
        if problem.status != 401:
            async with deps.sessions() as session, session.begin():
                await service.attempt_did_not_fail(session, slot)
        raise


async def _audit_failure(deps: Deps, user_id: uuid.UUID, action: str) -> None:
    async with deps.sessions() as session, session.begin():
        # A signed-in caller's failure is filed in its active org; a sign-in's second step has none yet, so
        # it is filed where the sign-in would have started.
        org_id = deps.context.org_id or await sessions.home_org(session, user_id)
        await record(session, action, context=deps.context, actor_user_id=user_id, org_id=org_id)


async def _reauthenticated(
    session: AsyncSession, caller: AccessClaims, body: PasswordConfirmation, deps: AuthDeps
) -> User:
    """The caller's row, locked, after the password (and current code, if MFA is on) checked out."""
    user = await session.get(User, caller.user_id, with_for_update=True)
    assert user is not None
    await service.reauthenticate(session, deps.settings, user, body.password, body.code, deps.box)
    return user


@router.post("/mfa/totp/enrol", response_model=EnrolmentOut, responses={401: {}, 429: {}})
async def enrol(body: PasswordConfirmation, caller: Caller, deps: Deps) -> EnrolmentOut:
    """Start (or restart) TOTP enrolment; needs the password (and the current code if MFA is already on)."""
    async with _code_attempt(deps, caller.user_id) as slot, deps.sessions() as session, session.begin():
        user = await _reauthenticated(session, caller, body, deps)
        enrolment = await service.start_enrolment(session, user, deps.box, deps.context.in_org(caller.org_id))
        await service.attempt_did_not_fail(session, slot)
    return EnrolmentOut(
        secret=enrolment.secret,
        provisioning_uri=enrolment.provisioning_uri,
        qr_png_data_uri=enrolment.qr_png_data_uri,
    )


@router.post("/mfa/totp/confirm", response_model=RecoveryCodesOut, responses={401: {}, 409: {}, 429: {}})
async def confirm(body: CodeSubmission, caller: Caller, deps: Deps) -> RecoveryCodesOut:
    async with _code_attempt(deps, caller.user_id) as slot:
        try:
            async with deps.sessions() as session, session.begin():
                user = await session.get(User, caller.user_id, with_for_update=True)
                assert user is not None
                codes = await service.confirm_enrolment(
                    session,
                    deps.settings,
                    user,
                    body.code,
                    deps.box,
                    caller.session_id,
                    deps.context.in_org(caller.org_id),
                )
                await service.attempt_did_not_fail(session, slot)
        except Problem:
            await _audit_failure(deps, caller.user_id, "mfa.confirm_failed")
            raise
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/mfa/disable", status_code=204, responses={401: {}, 429: {}})
async def disable(body: PasswordConfirmation, caller: Caller, deps: Deps) -> Response:
    async with _code_attempt(deps, caller.user_id) as slot, deps.sessions() as session, session.begin():
        user = await _reauthenticated(session, caller, body, deps)
        await service.disable(session, user, deps.context.in_org(caller.org_id))
        await service.attempt_did_not_fail(session, slot)
    return Response(status_code=204)


@router.post("/mfa/recovery-codes", response_model=RecoveryCodesOut, responses={401: {}, 409: {}, 429: {}})
async def regenerate(body: PasswordConfirmation, caller: Caller, deps: Deps) -> RecoveryCodesOut:
    async with _code_attempt(deps, caller.user_id) as slot, deps.sessions() as session, session.begin():
        user = await _reauthenticated(session, caller, body, deps)
        codes = await service.regenerate_codes(
            session, deps.settings, user, deps.context.in_org(caller.org_id)
        )
        await service.attempt_did_not_fail(session, slot)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/login/mfa", response_model=TokenResponse, responses={401: {}, 429: {}})
async def login_second_step(body: MfaLogin, response: Response, deps: Deps) -> TokenResponse:
    """Second sign-in step: the challenge from /login plus a TOTP code or an unused recovery code."""
    user_id = service.challenged_user(deps.box, body.mfa_token, deps.settings.mfa_challenge_ttl_s)
    async with _code_attempt(deps, user_id) as slot:
        try:
            async with deps.sessions() as session, session.begin():
                user = await session.get(User, user_id, with_for_update=True)
                if user is None or user.disabled_at is not None or not user.totp_confirmed:
                    raise service.WRONG_CODE
                method = await service.check_code(
                    session, deps.settings, user, body.code, deps.box, allow_recovery=True
                )
                issued = await sessions.start_session(
                    session, deps.settings, deps.box, user, deps.context, mfa_verified=True, method=method
                )
                await service.attempt_did_not_fail(session, slot)
        except Problem:
            await _audit_failure(deps, user_id, "login.mfa_failed")
            raise
    return token_response(response, deps, issued)
