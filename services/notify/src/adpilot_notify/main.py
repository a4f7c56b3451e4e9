"""The notify service: turns events into emails, WhatsApp/Signal messages and signed webhooks."""

from __future__ import annotations

from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.crypto import SecretBox
from adpilot_common.db import asyncpg_dsn
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache
from adpilot_notify.channels.base import Channel
from adpilot_notify.channels.endpoints import router as channels_router
from adpilot_notify.channels.registry import build_channels
from adpilot_notify.config import Settings
from adpilot_notify.deliveries.endpoints import router as deliveries_router
from adpilot_notify.deliveries.fanout import FanOut
from adpilot_notify.deliveries.runner import DeliverySender, build_runners
from adpilot_notify.deliveries.subscribers import install_consumers
from adpilot_notify.destinations.endpoints import router as destinations_router
from adpilot_notify.preferences.endpoints import router as preferences_router
from adpilot_notify.webhooks.endpoints import router as webhooks_router


def create_app(
    settings: Settings | None = None,
    *,
    jwks: JwksCache | None = None,
    channels: dict[str, Channel] | None = None,
) -> FastAPI:
    """``jwks`` replaces the auth service's JWKS URL (tests sign their own tokens); ``channels`` replaces the
    adapters chosen by settings."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    assert runtime.sessions is not None
    install_consumers(runtime, FanOut(settings.public_base_url, settings.default_locale))
    box = SecretBox.from_setting(settings.fernet_keys)
    sender = DeliverySender(settings, runtime.sessions, channels or build_channels(settings), box)
    runners = build_runners(settings, runtime.sessions, sender, asyncpg_dsn(settings.database_url))
    for runner in runners:
        runtime.in_background(runner.start, runner.stop)
    app = create_service_app(
        runtime,
        title="AdPilot notify",
        routers=[
            channels_router,
            deliveries_router,
            destinations_router,
            preferences_router,
            webhooks_router,
        ],
    )
    app.state.secret_box = box
    app.state.delivery_runners = runners
    install_auth(app, jwks=jwks)
    return app
