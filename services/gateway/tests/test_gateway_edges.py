"""The gateway's own behaviour at the edges: security headers on everything it answers, and a clear problem
(never a hang) when a service is down or too slow."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from adpilot_common.devstack.ports import free_port
from adpilot_common.head import HEAD_REQUEST, HeadAsGet
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_gateway.config import Settings
from adpilot_gateway.main import create_app
from adpilot_gateway.openapi import merge


@dataclass
class Upstream:
    url: str
    calls: int = 0
    methods: list[str] = field(default_factory=list)  # as the stand-in service received them


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    """A stand-in metrics service: one quick and one slow endpoint. It answers HEAD as every service does."""
    app = FastAPI()
    seen = Upstream("")

    @app.get("/api/metrics/quick")
    async def quick(request: Request) -> dict[str, str]:
        seen.calls += 1
        seen.methods.append("HEAD" if request.scope.get(HEAD_REQUEST) else request.method)
        return {"ok": "yes"}

    @app.get("/api/metrics/big")
    async def big() -> dict[str, str]:
        return {"data": "x" * 300_000}  # past the proxy's buffered size: streamed on

    @app.post("/api/metrics/echo")
    async def echo() -> dict[str, str]:
        seen.calls += 1
        return {"ok": "written"}

    @app.get("/api/metrics/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(5)
        return {"ok": "late"}

    port = free_port()
    async with serve_asgi(HeadAsGet(app), port, what="fake metrics"):
        seen.url = f"http://127.0.0.1:{port}"
        yield seen


ISSUER = TestTokenIssuer()


@pytest.fixture
def start_gateway(service_env, tmp_path: Path, upstream: Upstream) -> Callable[..., Any]:
    """``async with start_gateway(**settings) as client``: the gateway app in front of the fake upstream."""
    (tmp_path / "index.html").write_text("<!doctype html><title>AdPilot</title>")

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(
            **service_env(),
            spa_dir=tmp_path,
            metrics_url=upstream.url,
            notify_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there: a stopped service
            auth_url=f"http://127.0.0.1:{free_port()}",
            upstream_timeout_s=0.5,
            **overrides,
        )
        app = create_app(settings, jwks=ISSUER.jwks_cache())
        async with running(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as client:
                yield client

    return start


@pytest.fixture
async def gateway(start_gateway: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with start_gateway() as client:
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


async def test_a_bad_token_stops_at_the_gateway(gateway: httpx.AsyncClient, upstream: Upstream) -> None:
    forged = TestTokenIssuer().token(org_id=uuid.uuid4())  # signed by a key auth never published
    response = await gateway.get("/api/metrics/quick", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert upstream.calls == 0
    good = await gateway.get("/api/metrics/quick", headers=ISSUER.headers(org_id=uuid.uuid4()))
    assert good.status_code == 200 and upstream.calls == 1


async def test_rate_limits_per_user_per_ip_and_for_sign_in(start_gateway: Callable[..., Any]) -> None:
    limits = {
        "rate_limit_per_user": "3/minute",
        "rate_limit_per_ip": "2/minute",
        "rate_limit_login_per_ip": "1/minute",
    }
    async with start_gateway(**limits) as gateway:
        alice = ISSUER.headers(org_id=uuid.uuid4(), user_id=uuid.uuid4())
        bob = ISSUER.headers(org_id=uuid.uuid4(), user_id=uuid.uuid4())
        assert [(await gateway.get("/api/metrics/quick", headers=alice)).status_code for _ in range(3)] == [
            200
        ] * 3
        refused = await gateway.get("/api/metrics/quick", headers=alice)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (
            await gateway.get("/api/metrics/quick", headers=bob)
        ).status_code == 200  # each user their own

        anonymous = [(await gateway.get("/api/metrics/quick")).status_code for _ in range(3)]
        assert anonymous == [200, 200, 429]
    async with start_gateway(rate_limit_login_per_ip="1/minute") as gateway:
        first = await gateway.post("/api/auth/login", json={})
        assert first.status_code == 503  # counted, then proxied (no auth service runs here)
        assert (await gateway.post("/api/auth/login", json={})).status_code == 429


async def test_an_oversized_body_is_refused_before_any_service(start_gateway: Callable[..., Any]) -> None:
    async with start_gateway(max_body_bytes=1024) as gateway:
        declared = await gateway.post("/api/metrics/quick", content=b"x" * 2048)
        assert declared.status_code == 413
        assert declared.headers["content-type"].startswith("application/problem+json")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while it streams
            for _ in range(4):
                yield b"y" * 512

        streamed = await gateway.post("/api/metrics/quick", content=chunks())
        assert streamed.status_code == 413


async def test_cross_origin_calls_only_from_listed_origins(start_gateway: Callable[..., Any]) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    async with start_gateway(cors_origins=["https://partner.example"]) as gateway:
        allowed = await gateway.options(
            "/api/metrics/quick", headers={"Origin": "https://partner.example", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://partner.example"
        refused = await gateway.options(
            "/api/metrics/quick", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in refused.headers


def test_openapi_documents_merge_and_same_named_schemas_stay_apart() -> None:
    def document(prefix: str, schema: dict[str, Any]) -> dict[str, Any]:
        ref = {"$ref": "#/components/schemas/Page"}
        return {
            "paths": {
                f"/api/{prefix}/items": {
                    "get": {"responses": {"200": {"content": {"application/json": {"schema": ref}}}}}
                },
                "/healthz": {"get": {}},
            },
            "components": {"schemas": {"Page": schema, "Shared": {"type": "string"}}},
        }

    merged = merge(
        {
            "metrics": document("metrics", {"type": "object", "title": "metrics page"}),
            "ai-copy": document("ai-copy", {"type": "object", "title": "copy page"}),
        }
    )
    assert sorted(merged["paths"]) == ["/api/ai-copy/items", "/api/metrics/items"]  # no /healthz
    schemas = merged["components"]["schemas"]
    assert schemas["Page"]["title"] == "copy page"  # the first service (alphabetically) keeps the name
    assert schemas["MetricsPage"]["title"] == "metrics page"
    assert schemas["Shared"] == {"type": "string"}  # identical definitions are shared
    metrics_ref = merged["paths"]["/api/metrics/items"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert metrics_ref["schema"] == {"$ref": "#/components/schemas/MetricsPage"}


async def test_the_merged_document_is_served_and_names_a_missing_service(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "AdPilot API"
    assert "/api/metrics/quick" in document["paths"]
    assert "notify" in document["x-missing-services"]  # its address answers nothing here


async def test_cross_site_writes_are_refused_before_any_service(
    start_gateway: Callable[..., Any], upstream: Upstream
) -> None:
    spa = "http://127.0.0.1:8000"
    async with start_gateway(allowed_origins=[spa], cors_origins=["https://partner.example"]) as gateway:
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},  # no Origin, but the browser says cross-site
        ):
            refused = await gateway.post("/api/metrics/echo", headers=headers)
            assert refused.status_code == 403, headers
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["title"] == "Cross-site request refused"
        assert upstream.calls == 0

        for headers in (
            {"Origin": spa},
            {"Origin": "https://partner.example"},  # a listed CORS origin
            {"Sec-Fetch-Site": "same-origin"},
            {},  # no browser: curl, a server
        ):
            allowed = await gateway.post("/api/metrics/echo", headers=headers)
            assert allowed.status_code == 200, headers
        # Reads are never refused for their origin (CORS decides whether the browser may see them).
        read = await gateway.get("/api/metrics/quick", headers={"Origin": "https://evil.example"})
        assert read.status_code == 200
        assert upstream.calls == 5


async def test_the_spa_page_gets_a_fresh_style_nonce_and_nothing_else_does(
    start_gateway: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text(
        '<meta name="csp-nonce" content="__CSP_NONCE__"><div id="root"></div>'
    )
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    async with start_gateway() as gateway:
        nonces = []
        for path in ("/", "/dashboard", "/index.html"):
            page = await gateway.get(path)
            assert page.status_code == 200
            nonce = page.text.split('content="', 1)[1].split('"', 1)[0]
            assert nonce != "__CSP_NONCE__" and len(nonce) >= 16
            csp = page.headers["content-security-policy"]
            assert f"style-src 'self' 'nonce-{nonce}'" in csp and "object-src 'none'" in csp
            assert page.headers.get_list("content-security-policy") == [csp]  # one policy, not two
            nonces.append(nonce)
        assert len(set(nonces)) == 3  # fresh per response
        asset = await gateway.get("/assets/app.js")
        assert "style-src 'self';" in asset.headers["content-security-policy"]
        assert "nonce-" not in asset.headers["content-security-policy"]


async def test_head_answers_as_get_without_a_body(
    start_gateway: Callable[..., Any], tmp_path: Path, upstream: Upstream
) -> None:
    """Uptime monitors and load balancers probe with HEAD: the SPA, its assets and every proxied GET answer it
    with the GET's status and headers (the service is asked with HEAD too, so it sends no body either)."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    per_answer = {"date", "x-correlation-id", "content-security-policy"}  # the index's CSP has a fresh nonce

    def kept(response: httpx.Response) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in response.headers.multi_items() if k not in per_answer)

    async with start_gateway(rate_limit_per_ip="1000/minute") as gateway:
        for path, headers in [
            ("/", {}),
            ("/campaigns/42", {}),  # a client-side route: the index
            ("/assets/app.js", {}),
            ("/healthz", {}),
            ("/api/metrics/quick", ISSUER.headers(org_id=uuid.uuid4())),
            ("/api/metrics/quick", {"Authorization": "Bearer forged"}),  # the same 401, at the gateway
            ("/api/metrics/big", {}),
            ("/api/nowhere/at-all", {}),
            ("/api/notify/deliveries", {}),  # a stopped service: the same 503
        ]:
            get = await gateway.get(path, headers=headers)
            head = await gateway.head(path, headers=headers)
            assert (head.status_code, head.content) == (get.status_code, b""), path
            assert get.content != b""
            assert kept(head) == kept(get), path
            assert (
                head.headers["content-security-policy"].split("style-src")[0]
                == get.headers["content-security-policy"].split("style-src")[0]
            )
        assert upstream.methods == ["GET", "HEAD"]  # forwarded as HEAD
        index = await gateway.head("/")
        assert int(index.headers["content-length"]) == len((await gateway.get("/")).content)
        quick = await gateway.head("/api/metrics/quick")
        assert quick.headers["content-length"] == str(len(b'{"ok":"yes"}'))
        assert "content-length" not in (await gateway.head("/api/metrics/big")).headers  # streamed, as GET

        refused = await gateway.head("/api/metrics/echo")  # POST only, at the service
        assert refused.status_code == 405 and refused.headers["allow"] == "POST"
