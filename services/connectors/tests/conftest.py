"""The connectors service under test: real PostgreSQL (migrated), a real nats-server, tokens from a test issuer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adpilot_common.testing.jetstream import start_up_ticks_handled
from adpilot_common.testing.plugin import running
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_common.testing.waiting import eventually
from adpilot_connectors.config import Settings
from adpilot_connectors.context import Connectors
from adpilot_connectors.main import create_app
from adpilot_connectors.schedule import SYNC_JOB, TOKEN_CHECK_JOB

# Every job the app's ticker publishes a tick of at start.
START_UP_JOBS = (SYNC_JOB, TOKEN_CHECK_JOB)

ORIGIN = "http://127.0.0.1:8000"


@dataclass
class Tenant:
    """A signed-in user acting for one org."""

    org_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    headers: dict[str, str]


@dataclass
class ConnectorsApp:
    client: httpx.AsyncClient
    engine: AsyncEngine
    settings: Settings
    connectors: Connectors
    issuer: TestTokenIssuer
    app: Any
    tenants: list[Tenant] = field(default_factory=list)

    def tenant(self, role: str = "admin", *, org_id: uuid.UUID | None = None) -> Tenant:
        org, user, sid = org_id or uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        headers = self.issuer.headers(org_id=org, user_id=user, session_id=sid, role=role)
        tenant = Tenant(org, user, sid, headers)
        self.tenants.append(tenant)
        return tenant

    async def scalar(self, sql: str, **params: object) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: object) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).mappings())


SettingsOverrides = Callable[..., dict[str, Any]]


@pytest.fixture
def connectors_settings(new_database, service_env) -> Callable[..., Settings]:
    """Settings on a fresh migrated database; keyword overrides win (e.g. ``google={...}``)."""

    def build(**overrides: Any) -> Settings:
        url = new_database("connectors")
        values = service_env(url, sync_concurrency=2, write_concurrency=2, job_lease_s=5.0)
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
async def connectors_app(connectors_settings) -> AsyncIterator[ConnectorsApp]:
    async with started_connectors(connectors_settings()) as app:
        yield app


@pytest.fixture
async def app(connectors_settings, nats_client) -> AsyncIterator[ConnectorsApp]:
    """The app for sync tests: sandbox settings of ``sync_support``, its start-up tick already handled."""
    from .sync_support import SYNC_SETTINGS  # sync_support imports this module

    async with started_connectors(connectors_settings(**SYNC_SETTINGS)) as started:
        await eventually(
            lambda: start_up_ticks_handled(nats_client.jetstream(), "connectors", START_UP_JOBS),
            what="the start-up ticks to be handled",
        )
        yield started


@pytest.fixture
def start_connectors() -> Callable[[Settings], Any]:
    """For tests that need their own settings: ``async with start_connectors(settings) as app``."""
    return started_connectors


@asynccontextmanager
async def started_connectors(settings: Settings) -> AsyncIterator[ConnectorsApp]:
    issuer = TestTokenIssuer()
    app = create_app(settings, jwks=issuer.jwks_cache())
    engine = create_async_engine(settings.database_url)
    try:
        async with running(app):
            transport = httpx.ASGITransport(app, client=("203.0.113.9", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://connectors") as client:
                yield ConnectorsApp(client, engine, settings, app.state.connectors, issuer, app)
    finally:
        await engine.dispose()
