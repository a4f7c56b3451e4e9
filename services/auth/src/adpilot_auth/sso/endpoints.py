"""Sign in with Google (OpenID Connect, authorization code + PKCE) and linking Google to an account.

Login CSRF (the fastapi-users CVE-2025-68481 class): ``state`` is random, single-use, stored as a digest and
expires after 10 minutes, and it is bound to the browser that started the flow by an HttpOnly SameSite=Lax
cookie whose digest is stored with it. A callback carrying someone else's state (an attacker's, to sign the
victim into the attacker's account) has no matching cookie and is refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from adpilot_auth import ratelimit
from adpilot_auth.audit.service import record
from adpilot_auth.config import Settings
from adpilot_auth.context import AuthDeps, Deps
from adpilot_auth.mfa.service import challenge_token
from adpilot_auth.models.login_session import LoginSession
from adpilot_auth.models.user import User
from adpilot_auth.sessions.cookies import set_session_cookies
from adpilot_auth.sessions.csrf import check_csrf
from adpilot_auth.sessions.service import start_session
from adpilot_auth.sso import service
from adpilot_auth.sso.config import SsoSettings
from adpilot_auth.sso.oidc import CodeExchangeRefused, InvalidIdToken, OidcClient, ProviderUnavailable
from adpilot_common.problems import Problem

router = APIRouter(prefix="/api/auth/sso/google", tags=["sso"])

COOKIE_PATH = "/api/auth/sso/google"
STARTS_PER_IP_PER_MINUTE = 20
CALLBACKS_PER_IP_PER_MINUTE = 20

NOT_CONFIGURED = Problem(404, "SSO not configured", "Sign-in with Google is not enabled on this server.")
STATE_MISMATCH = Problem(
    400,
    "SSO state mismatch",
    "This sign-in link is invalid, expired, used, or was opened in another browser.",
)
INVALID_SESSION = Problem(401, "Session expired", "Sign in again.")

# A path on this site to land on after Google; anything else ("https://x", "//x") falls back to "/".
NextPath = Annotated[str | None, Query(alias="next")]


class LinkStatus(BaseModel):
    linked: bool
    email: str | None
    linked_at: datetime | None
    has_password: bool


class LinkStart(BaseModel):
    authorization_url: str


def oidc_client(request: Request) -> OidcClient:
    """The app's OIDC client, built on first use from ``app.state.sso_settings`` or the environment."""
    client: OidcClient | None = getattr(request.app.state, "sso_client", None)
    if client is None:
        settings = getattr(request.app.state, "sso_settings", None) or SsoSettings()
        client = request.app.state.sso_client = OidcClient(settings)
    if not client.settings.enabled:
        raise NOT_CONFIGURED
    return client


Oidc = Annotated[OidcClient, Depends(oidc_client)]


def binding_cookie_name(settings: Settings) -> str:
    return "__Host-adpilot_sso_state" if settings.secure_cookies else "adpilot_sso_state"


def _set_binding_cookie(response: Response, settings: Settings, value: str) -> None:
    # Lax, not Strict: the callback is a top-level navigation coming from the provider's site.
    response.set_cookie(
        binding_cookie_name(settings),
        value,
        max_age=int(service.STATE_TTL.total_seconds()),
        path="/" if settings.secure_cookies else COOKIE_PATH,  # __Host- cookies must use Path=/
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def _clear_binding_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        binding_cookie_name(settings),
        path="/" if settings.secure_cookies else COOKIE_PATH,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


async def _refuse(
    deps: AuthDeps,
    problem: Problem,
    reason: str,
    *,
    user_id: uuid.UUID | None = None,
) -> Problem:
    """Record the failure in its own transaction (the refused one rolled back) and return the problem."""
    async with deps.sessions() as session, session.begin():
        await record(
            session,
            "sso.failed",
            context=deps.context,
            actor_user_id=user_id,
            changes={"provider": service.PROVIDER, "reason": reason},
        )
    return problem


async def _signed_in_user(request: Request, deps: AuthDeps) -> tuple[User, LoginSession]:
    async with deps.sessions() as session, session.begin():
        found = await service.user_for_refresh_cookie(
            session, request.cookies.get(deps.settings.refresh_cookie_name)
        )
    if found is None:
        raise INVALID_SESSION
    return found


@router.get(
    "/start",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "Redirect to Google"}, 404: {}, 429: {}},
)
async def start(deps: Deps, oidc: Oidc, next_path: NextPath = None) -> RedirectResponse:
    """Begin signing in with Google; ``next`` is a path on this site to land on afterwards."""
    async with deps.sessions() as session, session.begin():
        await ratelimit.hit(
            session, f"sso:start:ip:{deps.context.ip}", limit=STARTS_PER_IP_PER_MINUTE, window_s=60
        )
    url, secret = await _begin(deps, oidc, intent="login", redirect_after=next_path)
    response = RedirectResponse(url, status_code=302)
    _set_binding_cookie(response, deps.settings, secret)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _begin(
    deps: AuthDeps,
    oidc: OidcClient,
    *,
    intent: service.Intent,
    redirect_after: str | None,
    link_user_id: uuid.UUID | None = None,
) -> tuple[str, str]:
    try:
        await oidc.metadata()  # fail before storing anything if Google is unreachable
    except ProviderUnavailable:
        raise Problem(502, "Identity provider unavailable", "Google could not be reached.") from None
    async with deps.sessions() as session, session.begin():
        flow = await service.begin(
            session, deps.box, intent=intent, redirect_after=redirect_after, link_user_id=link_user_id
        )
    url = await oidc.authorization_url(state=flow.state, nonce=flow.nonce, code_verifier=flow.code_verifier)
    return url, flow.browser_secret


@router.get(
    "/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {}, 400: {}, 403: {}, 404: {}, 409: {}, 429: {}, 502: {}},
)
async def callback(
    request: Request,
    deps: Deps,
    oidc: Oidc,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    """Where Google sends the browser back. Signs in (or signs up, or links) and redirects to ``next``."""
    async with deps.sessions() as session, session.begin():
        await ratelimit.hit(
            session, f"sso:callback:ip:{deps.context.ip}", limit=CALLBACKS_PER_IP_PER_MINUTE, window_s=60
        )
    if not state:
        raise STATE_MISMATCH
    async with deps.sessions() as session, session.begin():  # commits: the state is spent either way
        consumed = await service.consume(
            session, deps.box, state, request.cookies.get(binding_cookie_name(deps.settings))
        )
    pending = consumed.pending
    if pending is None:
        if consumed.reason == "unknown_state":
            raise STATE_MISMATCH
        raise await _refuse(deps, STATE_MISMATCH, consumed.reason or "state")
    if error or not code:
        raise await _refuse(
            deps,
            Problem(400, "SSO sign-in cancelled", "Google did not complete the sign-in."),
            f"provider_error:{(error or 'no_code')[:64]}",
            user_id=pending.link_user_id,
        )

    try:
        tokens = await oidc.exchange_code(code, pending.code_verifier)
        claims = await oidc.validate_id_token(
            tokens["id_token"], nonce=pending.nonce, access_token=tokens.get("access_token")
        )
        identity = service.VerifiedIdentity.from_claims(claims)
    except ProviderUnavailable:
        raise await _refuse(
            deps,
            Problem(502, "Identity provider unavailable", "Google could not be reached."),
            "provider",
            user_id=pending.link_user_id,
        ) from None
    except CodeExchangeRefused:
        raise await _refuse(
            deps,
            Problem(400, "SSO sign-in failed", "Google refused the sign-in; try again."),
            "code_refused",
            user_id=pending.link_user_id,
        ) from None
    except InvalidIdToken as exc:
        raise await _refuse(
            deps,
            Problem(400, "Invalid ID token", "Google's answer could not be verified."),
            f"id_token:{exc}",
            user_id=pending.link_user_id,
        ) from None
    except service.SsoRefused as exc:
        raise await _refuse(
            deps, Problem(exc.status, exc.title, exc.detail), exc.reason, user_id=pending.link_user_id
        ) from None

    response = RedirectResponse(pending.redirect_after, status_code=302)
    try:
        async with deps.sessions() as session, session.begin():
            sso = oidc.settings
            outcome = await service.complete(session, pending, identity, allow_signup=sso.allow_signup)
            user = outcome.user
            changes = {"provider": service.PROVIDER, "subject": identity.subject, "result": outcome.action}
            if outcome.action == "linked":
                await record(
                    session,
                    "sso.linked",
                    context=deps.context,
                    actor_user_id=user.id,
                    resource_type="user",
                    resource_id=str(user.id),
                    changes=changes,
                )
            elif user.totp_confirmed:
                # Google is only the first factor, exactly like a password: no session until the TOTP step.
                # The challenge rides in the fragment, which browsers never send to a server.
                fragment = urlencode(
                    {"mfa_token": challenge_token(deps.box, user.id), "next": pending.redirect_after}
                )
                response = RedirectResponse(f"{sso.mfa_path}#{fragment}", status_code=302)
                await record(
                    session,
                    "sso.login",
                    context=deps.context,
                    actor_user_id=user.id,
                    changes={**changes, "mfa_required": True},
                )
            else:
                issued = await start_session(
                    session, deps.settings, deps.box, user, deps.context, mfa_verified=False, method="google"
                )
                await record(
                    session,
                    "sso.login",
                    context=deps.context,
                    actor_user_id=user.id,
                    resource_type="session",
                    resource_id=str(issued.session_id),
                    changes=changes,
                )
                set_session_cookies(response, deps.settings, issued.refresh_token, issued.refresh_expires_at)
    except service.SsoRefused as exc:
        raise await _refuse(
            deps, Problem(exc.status, exc.title, exc.detail), exc.reason, user_id=exc.user_id
        ) from None
    _clear_binding_cookie(response, deps.settings)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/link", response_model=LinkStatus, responses={401: {}, 404: {}})
async def linked_account(request: Request, deps: Deps, oidc: Oidc) -> LinkStatus:
    """Whether Google is linked to the signed-in account (for the settings page)."""
    user, _ = await _signed_in_user(request, deps)
    async with deps.sessions() as session, session.begin():
        identities = await service.identities_of(session, user.id)
    google = next((i for i in identities if i.provider == service.PROVIDER), None)
    return LinkStatus(
        linked=google is not None,
        email=google.email if google else None,
        linked_at=google.created_at if google else None,
        has_password=user.password_hash is not None,
    )


@router.post("/link/start", response_model=LinkStart, responses={401: {}, 403: {}, 404: {}, 409: {}})
async def link_start(
    request: Request, response: Response, deps: Deps, oidc: Oidc, next_path: NextPath = None
) -> LinkStart:
    """For a signed-in user: the Google URL to open (same browser) to link a Google account."""
    check_csrf(request, deps.settings.allowed_origins)
    user, login = await _signed_in_user(request, deps)
    if user.mfa_enabled and not login.mfa_verified:
        raise Problem(
            403, "MFA required", "Complete two-factor authentication before adding a sign-in method."
        )
    async with deps.sessions() as session, session.begin():
        identities = await service.identities_of(session, user.id)
    if any(i.provider == service.PROVIDER for i in identities):
        raise Problem(409, "Already linked", "A Google account is already linked; unlink it first.")
    url, secret = await _begin(deps, oidc, intent="link", redirect_after=next_path, link_user_id=user.id)
    _set_binding_cookie(response, deps.settings, secret)
    response.headers["Cache-Control"] = "no-store"
    return LinkStart(authorization_url=url)


@router.delete("/link", status_code=204, responses={401: {}, 403: {}, 404: {}, 409: {}})
async def unlink(request: Request, deps: Deps, oidc: Oidc) -> Response:
    """Unlink Google; refused when it is the account's only way to sign in."""
    check_csrf(request, deps.settings.allowed_origins)
    user, _ = await _signed_in_user(request, deps)
    try:
        async with deps.sessions() as session, session.begin():
            account = await session.get(User, user.id, with_for_update=True)
            assert account is not None
            removed = await service.unlink(session, account)
            await record(
                session,
                "sso.unlinked",
                context=deps.context,
                actor_user_id=user.id,
                resource_type="user",
                resource_id=str(user.id),
                changes={"provider": service.PROVIDER, "subjects": [i.subject for i in removed]},
            )
    except service.SsoRefused as exc:
        raise Problem(exc.status, exc.title, exc.detail) from None
    return Response(status_code=204)
