"""Sign in, refresh, sign out, sessions and the JWKS."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from adpilot_auth import ratelimit
from adpilot_auth.context import Caller, Deps
from adpilot_auth.keys.service import jwks
from adpilot_auth.mfa.schemas import MfaChallenge
from adpilot_auth.mfa.service import challenge_token
from adpilot_auth.models.login_session import LoginSession
from adpilot_auth.sessions import service
from adpilot_auth.sessions.cookies import clear_session_cookies, set_session_cookies
from adpilot_auth.sessions.csrf import check_csrf
from adpilot_auth.sessions.schemas import LoginRequest, RevokedCount, SessionOut, TokenResponse
from adpilot_common.problems import Problem

router = APIRouter(prefix="/api/auth", tags=["sessions"])

INVALID_CREDENTIALS = Problem(401, "Invalid credentials", "The email or password is incorrect.")
INVALID_SESSION = Problem(401, "Session expired", "Sign in again.")


def token_response(response: Response, deps: Any, issued: service.IssuedTokens) -> TokenResponse:
    set_session_cookies(response, deps.settings, issued.refresh_token, issued.refresh_expires_at)
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=issued.access_token, expires_at=issued.access_expires_at, session_id=issued.session_id
    )


@router.post("/login", response_model=TokenResponse | MfaChallenge, responses={401: {}, 429: {}})
async def login(body: LoginRequest, response: Response, deps: Deps) -> TokenResponse | MfaChallenge:
    """Same status, body and cost for unknown user, wrong password, disabled or locked account."""
    async with deps.sessions() as session, session.begin():  # its own transaction: the slot must stick
        ip_slot = await ratelimit.take(
            session,
            f"login:ip:{deps.context.ip}",
            limit=deps.settings.login_failures_per_ip_per_minute,
            window_s=60,
        )
    issued: service.IssuedTokens | None = None
    challenge: MfaChallenge | None = None
    async with deps.sessions() as session, session.begin():  # failures commit their audit row and counters
        with contextlib.suppress(service.InvalidCredentials):
            user = await service.authenticate(session, deps.settings, body.email, body.password, deps.context)
            # The password was right: only failures count against the address, so an office behind one NAT
            # address can sign in all at once while a credential-stuffing run from it is still cut off.
            await ratelimit.give_back(session, ip_slot)
            if user.totp_confirmed:
                challenge = MfaChallenge(mfa_token=challenge_token(deps.box, user.id))
            else:
                issued = await service.start_session(
                    session, deps.settings, deps.box, user, deps.context, mfa_verified=False
                )
    if challenge is not None:
        response.headers["Cache-Control"] = "no-store"
        return challenge
    if issued is None:
        raise INVALID_CREDENTIALS
    return token_response(response, deps, issued)


@router.post("/refresh", response_model=TokenResponse, responses={401: {}, 403: {}})
async def refresh(request: Request, response: Response, deps: Deps) -> TokenResponse:
    """Rotate the refresh cookie and return a new access token. Reusing a spent token revokes the session."""
    check_csrf(request, deps.settings.allowed_origins)
    token = request.cookies.get(deps.settings.refresh_cookie_name)
    if not token:
        raise INVALID_SESSION
    issued: service.IssuedTokens | None = None
    async with deps.sessions() as session, session.begin():  # a detected reuse must commit its revocation
        with contextlib.suppress(service.InvalidRefreshToken):
            issued = await service.refresh(session, deps.settings, deps.box, token, deps.context)
    if issued is None:
        raise INVALID_SESSION
    return token_response(response, deps, issued)


@router.post("/logout", status_code=204, responses={403: {}})
async def logout(request: Request, deps: Deps) -> Response:
    check_csrf(request, deps.settings.allowed_origins)
    token = request.cookies.get(deps.settings.refresh_cookie_name)
    if token:
        async with deps.sessions() as session, session.begin():
            login_session = await service.session_for_refresh_token(session, token)
            if login_session is not None:
                await service.revoke(
                    session,
                    login_session,
                    "logout",
                    context=deps.context,
                    actor_user_id=login_session.user_id,
                )
    response = Response(status_code=204)
    clear_session_cookies(response, deps.settings)
    return response


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def public_keys(deps: Deps, response: Response) -> dict[str, Any]:
    async with deps.sessions() as session, session.begin():
        keys = await jwks(session)
    response.headers["Cache-Control"] = "public, max-age=300"
    return keys


@router.get("/sessions", response_model=list[SessionOut], summary="My signed-in devices")
async def list_sessions(caller: Caller, deps: Deps) -> list[SessionOut]:
    async with deps.sessions() as session, session.begin():
        rows = await service.active_sessions(session, caller.user_id)
    return [
        SessionOut(
            id=s.id,
            device=s.device,
            ip=s.ip,
            user_agent=s.user_agent,
            created_at=s.created_at,
            last_active_at=s.last_active_at,
            current=s.id == caller.session_id,
        )
        for s in rows
    ]


@router.delete("/sessions/{session_id}", status_code=204, responses={404: {}})
async def revoke_session(session_id: uuid.UUID, caller: Caller, deps: Deps) -> Response:
    async with deps.sessions() as session, session.begin():
        target = await session.get(LoginSession, session_id)
        if target is None or target.user_id != caller.user_id or target.revoked_at is not None:
            raise Problem(404, detail="No such session.")
        await service.revoke(
            session, target, "revoked_by_user", context=deps.context, actor_user_id=caller.user_id
        )
    return Response(status_code=204)


@router.post("/sessions/revoke-others", response_model=RevokedCount)
async def revoke_other_sessions(caller: Caller, deps: Deps) -> RevokedCount:
    async with deps.sessions() as session, session.begin():
        count = await service.revoke_all(
            session, caller.user_id, "revoked_by_user", keep=caller.session_id, context=deps.context
        )
    return RevokedCount(revoked=count)
