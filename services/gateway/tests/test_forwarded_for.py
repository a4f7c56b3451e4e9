"""Whose address a service sees: the gateway and auth served the way production serves them
(``adpilot_common.serve``'s uvicorn configuration, real sockets on loopback), a browser connecting directly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_auth.config import Settings as AuthSettings
from adpilot_auth.main import create_app as create_auth
from adpilot_common.devstack.ports import free_port
from adpilot_common.serve import uvicorn_config
from adpilot_common.testing.plugin import running
from adpilot_gateway.config import Settings as GatewaySettings
from adpilot_gateway.main import create_app as create_gateway


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """``app`` with its lifespan, behind uvicorn configured by ``adpilot_common.serve``; yields its base URL."""
    port = free_port()
    config = uvicorn_config(app, host="127.0.0.1", port=port)
    config.lifespan = "off"  # run by running(), as in every other suite
    server = uvicorn.Server(config)
    async with running(app):
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                assert not task.done(), "uvicorn did not start"
                await asyncio.sleep(0.01)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


@asynccontextmanager
async def stack(
    new_database: Callable[..., str], service_env: Callable[..., dict[str, Any]], spa: Path, **gateway: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Callable[[], Any]]]:
    """Auth (default settings: it believes the gateway on loopback) behind a gateway with ``gateway`` settings;
    yields a browser client of the gateway and a reader of auth's ``login.failed`` addresses."""
    url = new_database("auth")
    engine = create_async_engine(url)
    async with served(create_auth(AuthSettings(**service_env(url)))) as auth_url:
        settings = GatewaySettings(
            **service_env(),
            spa_dir=spa,
            auth_url=auth_url,
            auth_jwks_url=f"{auth_url}/api/auth/.well-known/jwks.json",
            **gateway,
        )
        async with served(create_gateway(settings)) as gateway_url:

            async def failed_from() -> list[str | None]:
                async with engine.connect() as conn:
                    rows = await conn.execute(text("SELECT ip FROM audit_log WHERE action = 'login.failed'"))
                    return [row.ip for row in rows]

            async with httpx.AsyncClient(base_url=gateway_url) as browser:
                yield browser, failed_from
    await engine.dispose()


async def wrong_password(browser: httpx.AsyncClient, forwarded_for: str) -> int:
    response = await browser.post(
        "/api/auth/login",
        json={"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "not the password"},
        headers={
            "X-Forwarded-For": forwarded_for,
            "X-Real-IP": forwarded_for,
            "Forwarded": f"for={forwarded_for}",
        },
    )
    assert response.status_code in (401, 429), response.text
    return response.status_code


async def test_a_forged_forwarded_for_changes_nothing_auth_sees(
    new_database: Callable[..., str], service_env: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    async with stack(new_database, service_env, tmp_path) as (browser, failed_from):
        # Auth allows 5 sign-ins per IP and minute (a fixed window): 12 attempts fill one window past its limit
        # even if a minute boundary falls among them. Each claims another address; none may count apart.
        answers = [await wrong_password(browser, f"10.0.0.{n}") for n in range(12)]
        assert 429 in answers
        assert set(await failed_from()) == {"127.0.0.1"}  # the browser's own address, never a forged one


async def test_a_trusted_proxys_forwarded_for_is_believed(
    new_database: Callable[..., str], service_env: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    # The browser's own address stands for the reverse proxy in front of the gateway here.
    async with stack(new_database, service_env, tmp_path, forwarded_allow_ips=["127.0.0.1"]) as (
        browser,
        failed_from,
    ):
        # A proxy appends the address it saw: the right-most one not a trusted proxy is the client.
        assert await wrong_password(browser, "6.6.6.6, 198.51.100.23") == 401
        assert await failed_from() == ["198.51.100.23"]
