from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adpilot_auth.config import Settings
from adpilot_auth.main import create_app
from adpilot_common.testing.plugin import running

PASSWORD = "correct horse battery staple"
ORIGIN = "http://127.0.0.1:8000"


@dataclass
class AuthApp:
    client: httpx.AsyncClient
    engine: AsyncEngine
    settings: Settings

    async def register(self, email: str, password: str = PASSWORD) -> None:
        response = await self.client.post("/api/auth/register", json={"email": email, "password": password})
        assert response.status_code == 202, response.text

    async def login(self, email: str, password: str = PASSWORD, **kwargs: object) -> httpx.Response:
        return await self.client.post(
            "/api/auth/login", json={"email": email, "password": password}, **kwargs
        )

    def csrf_headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.client.cookies.get("adpilot_csrf") or "", "Origin": ORIGIN}

    async def scalar(self, sql: str, **params: object) -> object:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


@pytest.fixture
async def auth_app(new_database, service_env) -> AsyncIterator[AuthApp]:
    url = new_database("auth")
    settings = Settings(**service_env(url))
    app = create_app(settings)
    engine = create_async_engine(url)
    async with running(app):
        transport = httpx.ASGITransport(app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
            yield AuthApp(client, engine, settings)
    await engine.dispose()


async def signed_in(app: AuthApp, email: str) -> dict[str, str]:
    """Register (if new) and sign in; returns Authorization headers for the access token."""
    await app.client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    response = await app.login(email)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
