from __future__ import annotations

from fastapi import APIRouter, Response, status

from adpilot_auth.context import Caller, Deps
from adpilot_auth.models.user import User
from adpilot_auth.users import account
from adpilot_auth.users.schemas import (
    Accepted,
    ForgotPassword,
    Me,
    PasswordChange,
    PasswordChanged,
    PasswordReset,
    RegistrationAccepted,
    RegistrationRequest,
    TokenSubmission,
)
from adpilot_common.dependencies import DbSession

router = APIRouter(prefix="/api/auth", tags=["accounts"])


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, response_model=RegistrationAccepted)
async def register(body: RegistrationRequest, session: DbSession) -> RegistrationAccepted:
    """Create an account; the verification email goes out through ``user.v1.email_verification_requested``."""
    await account.register_user(session, body)
    return RegistrationAccepted()


@router.get("/me", response_model=Me)
async def me(caller: Caller, deps: Deps) -> Me:
    async with deps.sessions() as session, session.begin():
        user = await session.get(User, caller.user_id)
        assert user is not None
    return Me(
        id=str(user.id),
        email=user.email,
        display_name=user.display_name,
        email_verified=user.email_verified_at is not None,
        mfa_enabled=user.totp_confirmed,
    )


@router.post("/email/verification", status_code=202, response_model=Accepted)
async def resend_verification(caller: Caller, deps: Deps) -> Accepted:
    async with deps.sessions() as session, session.begin():
        user = await session.get(User, caller.user_id)
        assert user is not None
        await account.request_verification(session, user)
    return Accepted()


@router.post("/email/verify", status_code=204, responses={400: {}})
async def verify_email(body: TokenSubmission, deps: Deps) -> Response:
    async with deps.sessions() as session, session.begin():
        await account.verify_email(session, body.token, deps.context)
    return Response(status_code=204)


@router.post("/password/forgot", status_code=202, response_model=Accepted)
async def forgot_password(body: ForgotPassword, deps: Deps) -> Accepted:
    """Always 202: the answer never says whether the address has an account."""
    async with deps.sessions() as session, session.begin():
        await account.request_reset(session, body.email, deps.context)
    return Accepted()


@router.post("/password/reset", status_code=204, responses={400: {}, 422: {}})
async def reset_password(body: PasswordReset, deps: Deps) -> Response:
    async with deps.sessions() as session, session.begin():
        await account.reset_password(session, body.token, body.new_password, deps.context)
    return Response(status_code=204)


@router.post("/password/change", response_model=PasswordChanged, responses={401: {}, 422: {}})
async def change_password(body: PasswordChange, caller: Caller, deps: Deps) -> PasswordChanged:
    async with deps.sessions() as session, session.begin():
        ended = await account.change_password(
            session,
            caller.user_id,
            body.current_password,
            body.new_password,
            end_other_sessions=body.end_other_sessions,
            keep_session=caller.session_id,
            context=deps.context.in_org(caller.org_id),
        )
    return PasswordChanged(other_sessions_ended=ended)
