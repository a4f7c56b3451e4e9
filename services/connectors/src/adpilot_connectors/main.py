"""The connectors service: links ad-platform logins, syncs accounts, writes to the platforms."""

from __future__ import annotations

from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.crypto import SecretBox
from adpilot_common.db import asyncpg_dsn
from adpilot_common.jobs import JobRunner
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.scheduling import Ticker
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache
from adpilot_connectors.accounts.endpoints import router as accounts_router
from adpilot_connectors.config import Settings
from adpilot_connectors.context import Connectors
from adpilot_connectors.linking.endpoints import router as linking_router
from adpilot_connectors.linking.refresh import check_tokens
from adpilot_connectors.models import SyncRun, WriteJob
from adpilot_connectors.platforms.factory import PlatformClients
from adpilot_connectors.schedule import SYNC_JOB, TOKEN_CHECK_JOB, scheduled_jobs, tick_handler
from adpilot_connectors.sync.endpoints import router as sync_router
from adpilot_connectors.sync.runner import sync_give_up_hook, sync_job_handler
from adpilot_connectors.sync.scheduling import enqueue_scheduled_syncs
from adpilot_connectors.writes.approved_copy import approved_copy_handler
from adpilot_connectors.writes.endpoints import router as writes_router
from adpilot_connectors.writes.runner import write_job_gave_up, write_job_handler


def create_app(settings: Settings | None = None, *, jwks: JwksCache | None = None) -> FastAPI:
    """``jwks`` replaces the auth service's JWKS URL (tests sign their own tokens)."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    assert runtime.sessions is not None
    connectors = Connectors(
        settings=settings,
        box=SecretBox.from_setting(settings.fernet_keys.get_secret_value()),
        sessions=runtime.sessions,
        clients=PlatformClients(settings),
    )
    listen_dsn = asyncpg_dsn(settings.database_url)
    sync_runner = JobRunner(
        SyncRun,
        runtime.sessions,
        sync_job_handler(connectors),
        listen_dsn=listen_dsn,
        concurrency=settings.sync_concurrency,
        lease_s=settings.job_lease_s,
        on_give_up=sync_give_up_hook(connectors),
    )
    write_runner = JobRunner(
        WriteJob,
        runtime.sessions,
        write_job_handler(connectors),
        listen_dsn=listen_dsn,
        concurrency=settings.write_concurrency,
        lease_s=settings.job_lease_s,
        on_give_up=write_job_gave_up,
    )
    runtime.consume("copy.v1.approved", approved_copy_handler(connectors))  # publish approved ads, paused
    runtime.consume(
        "schedule.v1.tick",
        tick_handler(connectors, {SYNC_JOB: enqueue_scheduled_syncs, TOKEN_CHECK_JOB: check_tokens}),
    )

    ticker: Ticker | None = None

    async def start_background() -> None:
        nonlocal ticker
        ticker = Ticker(
            runtime.broker.connection.jetstream(), scheduled_jobs(connectors), source="connectors"
        )
        await ticker.start()
        await sync_runner.start()
        await write_runner.start()

    async def stop_background() -> None:
        await write_runner.stop()
        await sync_runner.stop()
        if ticker is not None:
            await ticker.stop()

    runtime.in_background(start_background, stop_background)
    app = create_service_app(
        runtime,
        title="AdPilot connectors",
        routers=[linking_router, accounts_router, sync_router, writes_router],
    )
    app.state.connectors = connectors
    app.state.sync_runner = sync_runner
    app.state.write_runner = write_runner
    install_auth(app, jwks=jwks)
    return app
