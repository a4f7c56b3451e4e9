"""The gateway's own behaviour at the edges: security headers on everything it answers, and a clear problem
(never a hang) when a service is down or too slow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_gateway.config import Settings
from adpilot_gateway.main import create_app


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    """A stand-in metrics service: one quick and one slow endpoint."""
    app = FastAPI()

    @app.get("/api/metrics/quick")
    async def quick() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/api/metrics/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(5)
        return {"ok": "late"}

    port = free_port()
    async with serve_asgi(app, port, what="fake metrics"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def gateway(service_env, tmp_path: Path, upstream: str) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "index.html").write_text("<!doctype html><title>AdPilot</title>")
    settings = Settings(
        **service_env(),
        spa_dir=tmp_path,
        metrics_url=upstream,
        notify_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there: a stopped service
        upstream_timeout_s=0.5,
    )
    app = create_app(settings, jwks=TestTokenIssuer().jwks_cache())
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as client:
            yield client


def assert_secure(response: httpx.Response) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["x-frame-options"] == "DENY"


async def test_every_answer_carries_the_security_headers(gateway: httpx.AsyncClient) -> None:
    spa = await gateway.get("/campaigns")
    assert spa.status_code == 200 and "AdPilot" in spa.text
    api = await gateway.get("/api/metrics/quick")
    assert api.status_code == 200 and api.json() == {"ok": "yes"}
    missing = await gateway.get("/api/nowhere/at-all")
    assert missing.status_code == 404
    for response in (spa, api, missing):
        assert_secure(response)
    assert len(api.headers.get_list("content-security-policy")) == 1


async def test_a_stopped_service_is_a_quick_503_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/notify/deliveries")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "5"
    assert "notify" in response.json()["detail"]
    assert_secure(response)


async def test_a_slow_service_is_a_504_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/metrics/slow")
    assert response.status_code == 504
    assert response.headers["content-type"].startswith("application/problem+json")
