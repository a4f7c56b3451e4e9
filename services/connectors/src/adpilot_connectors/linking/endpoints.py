"""Linking ad-platform logins: OAuth authorization-code flows, encrypted tokens, refresh and token health."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select

from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Member, Viewer, auth_guard_of, org_of
from adpilot_common.security.tokens import AccessClaims
from adpilot_connectors.accounts.repository import parse_id
from adpilot_connectors.config import Settings
from adpilot_connectors.context import Ctx
from adpilot_connectors.linking import oauth, service, state
from adpilot_connectors.linking.flow import complete
from adpilot_connectors.linking.health import health_of
from adpilot_connectors.linking.schemas import AuthorizationStart, ConnectionOut, PlatformInfo
from adpilot_connectors.models import AdAccountRow, PlatformConnection
from adpilot_connectors.platforms.base import Platform, PlatformError
from adpilot_connectors.platforms.factory import parse_platform

router = APIRouter(prefix="/api/connectors", tags=["linking"])
CALLBACK_PREFIX = "/api/connectors/oauth/"


class _CallbackQueryFilter(logging.Filter):
    """uvicorn's access log prints the path with its query string; a callback's carries the authorization code
    and the state, which belong in no log. The path alone is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and str(args[2]).startswith(CALLBACK_PREFIX):
            record.args = (*args[:2], str(args[2]).split("?", 1)[0], *args[3:])
        return True


logging.getLogger("uvicorn.access").addFilter(_CallbackQueryFilter())  # once, at import


def _actor(request: Request, caller: AccessClaims) -> service.Actor:
    return service.Actor(
        caller.user_id,
        request.client.host if request.client else None,
        request.headers.get("user-agent"),
    )


def _not_configured(settings: Settings, platform: Platform) -> Problem | None:
    missing = oauth.missing_settings(settings, platform)
    if not missing:
        return None
    return Problem(
        409,
        "Platform not configured",
        f"{service.PLATFORM_NAMES[platform]} cannot be linked on this server until these settings are set: "
        f"{', '.join(missing)}.",
        missing_settings=missing,
    )


def _out(connection: PlatformConnection, accounts: int, settings: Settings, now: datetime) -> ConnectionOut:
    return ConnectionOut(
        id=connection.id,
        platform=connection.platform,  # a PlatformName by construction
        label=connection.label,
        status=connection.status,
        status_reason=connection.status_reason,
        health=health_of(connection, now, settings),
        token_expires_at=connection.token_expires_at,
        accounts=accounts,
        last_refreshed_at=connection.last_refreshed_at,
        paused_until=connection.paused_until,
        created_at=connection.created_at,
    )


@router.get("/platforms", response_model=list[PlatformInfo])
async def platforms(ctx: Ctx, caller: Viewer) -> list[PlatformInfo]:
    """Every platform, whether this server can link it, how, and which API version it speaks."""
    return [
        PlatformInfo(
            platform=p.value,
            available=ctx.clients.is_available(p),
            oauth=p in oauth.OAUTH_PLATFORMS,
            api_version=oauth.api_version(ctx.settings, p),
            missing_settings=oauth.missing_settings(ctx.settings, p),
        )
        for p in Platform
    ]


@router.post(
    "/connections/sandbox", status_code=201, response_model=ConnectionOut, responses={403: {}, 409: {}}
)
async def link_sandbox(request: Request, ctx: Ctx, caller: Member) -> ConnectionOut:
    """Link the built-in simulated platform (one per organisation) and discover its accounts."""
    problem = _not_configured(ctx.settings, Platform.SANDBOX)
    if problem is not None:
        raise problem
    try:
        connection = await service.link_sandbox(ctx, org_of(caller), _actor(request, caller))
    except PlatformError as exc:
        raise Problem(
            502, "Platform unavailable", f"The sandbox could not list its accounts: {exc}"
        ) from None
    async with ctx.sessions() as session:
        accounts = await session.scalar(
            select(func.count()).select_from(AdAccountRow).where(AdAccountRow.connection_id == connection.id)
        )
    return _out(connection, int(accounts or 0), ctx.settings, datetime.now(UTC))


@router.post(
    "/connections/{platform}/authorize",
    response_model=AuthorizationStart,
    responses={400: {}, 403: {}, 404: {}, 409: {}},
)
async def authorize(
    platform: str, request: Request, response: Response, ctx: Ctx, caller: Member
) -> AuthorizationStart:
    """Start linking a Google, Meta or TikTok login: open ``authorization_url`` in this browser."""
    chosen = parse_platform(platform)
    if chosen not in oauth.OAUTH_PLATFORMS:
        raise Problem(
            400,
            "No consent needed",
            "The sandbox links without OAuth: POST /api/connectors/connections/sandbox.",
        )
    problem = _not_configured(ctx.settings, chosen)
    if problem is not None:
        raise problem
    async with ctx.sessions() as session, session.begin():
        new = await state.begin(
            session,
            ctx.box,
            platform=chosen,
            org_id=org_of(caller),
            user_id=caller.user_id,
            session_id=caller.session_id,
            pkce=chosen is Platform.GOOGLE,  # Meta's and TikTok's web flows take no PKCE
            ttl_s=ctx.settings.oauth_state_ttl_s,
        )
    url = await oauth.authorization_url(
        ctx.settings, chosen, state=new.state, code_verifier=new.code_verifier
    )
    state.set_browser_cookie(response, ctx.settings, chosen, new.browser_nonce)
    response.headers["Cache-Control"] = "no-store"
    return AuthorizationStart(authorization_url=url, expires_at=new.expires_at)


@router.get(
    "/oauth/{platform}/callback",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "Back to /accounts with ?linked=<id> or ?link_error=<code>"}, 404: {}},
)
async def callback(
    platform: str,
    request: Request,
    ctx: Ctx,
    state_value: str | None = Query(default=None, alias="state"),
    code: str | None = None,
    auth_code: str | None = None,  # TikTok's name for the code
    error: str | None = None,
) -> RedirectResponse:
    """Where the platform sends the browser back after consent (no Bearer token: a top-level navigation)."""
    chosen = parse_platform(platform)
    if chosen not in oauth.OAUTH_PLATFORMS:
        raise Problem(404, "Unknown callback", "The sandbox links without OAuth.")
    outcome = await complete(
        ctx,
        auth_guard_of(request).revocations,
        chosen,
        state_value=state_value,
        browser_nonce=request.cookies.get(state.cookie_name(chosen)),
        code=code or auth_code,
        error=error,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    query = {"linked": str(outcome.connection_id)} if outcome.error is None else {"link_error": outcome.error}
    response = RedirectResponse(
        f"{ctx.settings.public_base_url.rstrip('/')}/accounts?{urlencode(query)}", status_code=303
    )
    state.clear_browser_cookie(response, ctx.settings, chosen)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the callback URL carried the code
    return response


@router.get("/connections", response_model=list[ConnectionOut])
async def connections(ctx: Ctx, caller: Viewer) -> list[ConnectionOut]:
    """The organisation's linked logins with their token health; tokens never leave the service."""
    now = datetime.now(UTC)
    async with ctx.sessions() as session:
        rows = await service.list_connections(session, org_of(caller))
    return [_out(connection, accounts, ctx.settings, now) for connection, accounts in rows]


@router.delete("/connections/{connection_id}", status_code=204, responses={403: {}, 404: {}})
async def unlink(connection_id: str, request: Request, ctx: Ctx, caller: Member) -> Response:
    """Unlink a login: its ad accounts, their mirror and jobs go with it."""
    target = parse_id(connection_id, "connection")
    async with ctx.sessions() as session, session.begin():
        await service.unlink(session, org_of(caller), target, _actor(request, caller))
    return Response(status_code=204)
