"""The gateway forwards every Set-Cookie of an upstream answer as its own header line."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Response

from adpilot_gateway.proxy import build_proxy_router


async def test_repeated_set_cookie_headers_survive_the_proxy():
    upstream = FastAPI()

    @upstream.post("/api/auth/login")
    async def login() -> Response:
        response = Response(status_code=200)
        response.set_cookie("adpilot_refresh", "r1", httponly=True, samesite="strict", path="/api/auth")
        response.set_cookie("adpilot_csrf", "c1", samesite="strict", path="/")
        return response

    async with httpx.AsyncClient(transport=httpx.ASGITransport(upstream)) as upstream_client:
        gateway = FastAPI()
        gateway.include_router(build_proxy_router(upstream_client, {"auth": "http://auth"}))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gw") as client:
            response = await client.post("/api/auth/login")
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert {c.split("=")[0] for c in cookies} == {"adpilot_refresh", "adpilot_csrf"}
    assert "HttpOnly" in next(c for c in cookies if c.startswith("adpilot_refresh"))
