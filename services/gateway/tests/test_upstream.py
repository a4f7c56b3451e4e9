"""The proxy's hot-path pieces: the upstream client (connection reuse, a bound on connections, a restarted
service, no cookie memory between users) and the short-lived cache of verified tokens (revocation still wins)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from adpilot_common.devstack.ports import free_port
from adpilot_common.security.dependencies import AuthGuard
from adpilot_common.security.tokens import InvalidToken, InvalidTokenReason
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_gateway.config import Settings
from adpilot_gateway.proxy import build_proxy_router
from adpilot_gateway.tokencache import VerifiedTokens
from adpilot_gateway.upstream import upstream_client

ISSUER = TestTokenIssuer()


def fake_auth() -> FastAPI:
    """Sets a session cookie on sign-in, echoes the Cookie header and the caller's port otherwise."""
    app = FastAPI()

    @app.post("/api/auth/login")
    async def login() -> Response:
        response = Response(status_code=204)
        response.set_cookie("adpilot_refresh", "alice-refresh", httponly=True, path="/api/auth")
        return response

    @app.get("/api/auth/echo")
    async def echo(request: Request) -> dict[str, object]:
        await asyncio.sleep(0.01)  # long enough for concurrent callers to need connections of their own
        return {"cookie": request.headers.get("cookie"), "port": request.client.port if request.client else 0}

    return app


@pytest.fixture
async def auth_url() -> AsyncIterator[str]:
    port = free_port()
    async with serve_asgi(fake_auth(), port, what="fake auth"):
        yield f"http://127.0.0.1:{port}"


def client(max_connections: int = 20) -> httpx.AsyncClient:
    return upstream_client(
        httpx.Timeout(5.0), httpx.Limits(max_connections=max_connections, max_keepalive_connections=10)
    )


async def test_a_cookie_set_for_one_user_never_travels_with_another_users_request(auth_url: str) -> None:
    async with client() as upstream:
        gateway = FastAPI()
        gateway.include_router(build_proxy_router(upstream, {"auth": auth_url}))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(gateway), base_url="http://gw"
        ) as browsers:
            signed_in = await browsers.post("/api/auth/login")
            assert "alice-refresh" in signed_in.headers["set-cookie"]  # alice's browser gets her cookie ...
            browsers.cookies.clear()  # ... and another browser, without cookies, calls next
            assert (await browsers.get("/api/auth/echo")).json()["cookie"] is None
            own = await browsers.get("/api/auth/echo", headers={"Cookie": "adpilot_refresh=bob"})
            assert own.json()["cookie"] == "adpilot_refresh=bob"  # a browser's own cookie still passes


async def test_connections_are_reused_and_bounded(auth_url: str) -> None:
    async with client(max_connections=3) as upstream:
        ports: set[int] = set()
        for _ in range(3):
            answers = await asyncio.gather(*(upstream.get(f"{auth_url}/api/auth/echo") for _ in range(12)))
            ports |= {a.json()["port"] for a in answers}
        assert all(a.status_code == 200 for a in answers)
        assert 1 <= len(ports) <= 3  # 36 requests, never more than 3 connections, kept across rounds


async def test_a_restarted_service_is_reached_on_a_new_connection() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/auth/echo"
    async with client() as upstream:
        async with serve_asgi(fake_auth(), port, what="fake auth"):
            first = (await upstream.get(url)).json()["port"]
        async with serve_asgi(fake_auth(), port, what="fake auth again"):
            again = await upstream.get(url)  # the pooled connection was closed by the old server
        assert again.status_code == 200
        assert again.json()["port"] != first


async def test_a_cached_token_is_refused_once_its_session_is_revoked(
    service_env: Callable[..., dict[str, Any]],
) -> None:
    guard = AuthGuard.from_settings(Settings(**service_env()), jwks=ISSUER.jwks_cache(), listen=False)
    tokens = VerifiedTokens(guard, ttl_s=60)
    session = uuid.uuid4()
    token = ISSUER.token(org_id=uuid.uuid4(), role="viewer", session_id=session)
    first = await tokens.authenticate(token)
    assert (await tokens.authenticate(token)) is first  # served from the cache
    assert len(tokens) == 1
    guard.revocations.revoke(session)
    with pytest.raises(InvalidToken) as refused:
        await tokens.authenticate(token)
    assert refused.value.reason is InvalidTokenReason.REVOKED
    with pytest.raises(InvalidToken):
        await tokens.authenticate(token[:-4] + "AAAA")  # a forged signature is verified, never a cache hit


async def test_the_token_cache_is_bounded(service_env: Callable[..., dict[str, Any]]) -> None:
    guard = AuthGuard.from_settings(Settings(**service_env()), jwks=ISSUER.jwks_cache(), listen=False)
    tokens = VerifiedTokens(guard, max_entries=3)
    for _ in range(5):
        await tokens.authenticate(ISSUER.token(org_id=uuid.uuid4(), role="viewer"))
    assert len(tokens) == 3


def test_the_gateway_is_not_split_into_roles() -> None:
    with pytest.raises(ValueError, match="the gateway runs as role 'all' only"):
        Settings(role="worker")
