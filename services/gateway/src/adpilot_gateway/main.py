"""The gateway: one front door for the SPA, the API of every service and the browsers' live events."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache
from adpilot_gateway.config import Settings
from adpilot_gateway.csrf import CrossSiteWriteGuard
from adpilot_gateway.headers import SecurityHeaders
from adpilot_gateway.live.endpoint import LiveSockets, live_handler
from adpilot_gateway.live.feed import LiveFeed
from adpilot_gateway.live.hub import Hub
from adpilot_gateway.openapi import build_openapi_router
from adpilot_gateway.proxy import build_proxy_router
from adpilot_gateway.ratelimit import RateLimits
from adpilot_gateway.spa import build_spa_router
from adpilot_gateway.status import build_status_router
from adpilot_gateway.upstream import upstream_client


def create_app(settings: Settings | None = None, *, jwks: JwksCache | None = None) -> FastAPI:
    """``jwks`` replaces the auth service's JWKS URL (tests sign their own tokens)."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, uses_database=False)
    client = upstream_client(
        httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s),
        httpx.Limits(max_connections=settings.upstream_max_connections, max_keepalive_connections=100),
    )
    runtime.on_stop(client.aclose)
    upstreams = settings.upstreams()
    hub = Hub()
    feed = LiveFeed(hub)
    app = create_service_app(
        runtime,
        title="AdPilot gateway",
        routers=[build_status_router(client, upstreams), build_openapi_router(client, upstreams)],
    )
    app.add_middleware(SecurityHeaders)
    guard = install_auth(app, jwks=jwks)
    limits = RateLimits(
        settings.rate_limit_storage,
        per_user=settings.rate_limit_per_user,
        per_ip=settings.rate_limit_per_ip,
        login_per_ip=settings.rate_limit_login_per_ip,
    )
    app.include_router(
        build_proxy_router(
            client, upstreams, guard=guard, limits=limits, max_body_bytes=settings.max_body_bytes
        )
    )
    # Same-origin SPA needs no CORS; other origins are allowed only when listed (preflights answered here).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Correlation-ID"],
        max_age=600,
    )
    app.add_middleware(
        CrossSiteWriteGuard, trusted_origins=[*settings.allowed_origins, *settings.cors_origins]
    )
    app.include_router(build_spa_router(settings.spa_dir))  # last: catch-all
    # Added last, so outermost: the live socket's frames skip every layer above (see LiveSockets).
    app.add_middleware(LiveSockets, handler=live_handler(hub, guard, settings.allowed_origins))

    async def start_feed() -> None:
        await feed.start(runtime.broker.connection)

    runtime.on_start(start_feed)
    runtime.on_stop(feed.stop)
    app.state.hub = hub
    return app
