"""HEAD answers exactly as GET does, without the body, on every route of an app the shared factory builds; a path
without a GET still refuses it (adpilot_common.head)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from starlette.types import Message

from adpilot_common.app import create_service_app
from adpilot_common.devstack.ports import free_port
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import Principal, install_auth
from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.tokens import TestTokenIssuer

from .conftest import ProbeSettings

ISSUER = TestTokenIssuer()
# Different on every answer by design, or the server's framing of a body (uvicorn chunks a GET's streamed body;
# a HEAD has none to frame); everything else must match.
PER_ANSWER = frozenset({"date", "x-correlation-id", "transfer-encoding"})


class AuthProbeSettings(ProbeSettings, TokenVerificationSettings):
    pass


def probe_app(service_env) -> FastAPI:
    router = APIRouter()

    @router.get("/api/probe/me")
    async def me(caller: Principal) -> dict[str, str]:
        return {"user": str(caller.user_id)}

    @router.post("/api/probe/things")
    async def make_thing() -> dict[str, str]:
        return {"made": "yes"}

    @router.get("/api/probe/export")
    async def export() -> StreamingResponse:
        async def rows() -> AsyncIterator[bytes]:
            for n in range(100):
                yield f"row {n}\n".encode()

        return StreamingResponse(rows(), media_type="text/csv")

    runtime = ServiceRuntime(AuthProbeSettings(**service_env()), uses_database=False)
    app = create_service_app(runtime, title="probe", routers=[router])
    install_auth(app, jwks=ISSUER.jwks_cache(), listen_for_revocations=False)
    return app


def same_answer(get: httpx.Response, head: httpx.Response) -> None:
    assert head.status_code == get.status_code
    assert head.content == b""
    assert get.content != b""

    def kept(response: httpx.Response) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in response.headers.multi_items() if k not in PER_ANSWER)

    assert kept(head) == kept(get)


async def test_head_answers_every_get_route_like_get_without_a_body(service_env) -> None:
    app = probe_app(service_env)
    port = free_port()
    async with running(app), serve_asgi(app, port, what="probe service"):  # a real server: it sees HEAD
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            signed_in = ISSUER.headers()
            for path, headers in [
                ("/healthz", {}),
                ("/readyz", {}),
                ("/api/probe/me", signed_in),
                ("/api/probe/me", {}),  # the same 401 problem and challenge
                ("/api/probe/me", {"Authorization": "Bearer forged"}),
                ("/api/probe/export", {}),  # streamed: no Content-Length either way
                ("/api/probe/nowhere", {}),  # the same 404 problem
            ]:
                get = await client.get(path, headers=headers)
                head = await client.head(path, headers=headers)
                same_answer(get, head)
            me = await client.head("/api/probe/me", headers=signed_in)
            assert me.status_code == 200 and int(me.headers["content-length"]) > 0
            assert (await client.head("/api/probe/me")).headers["www-authenticate"].startswith("Bearer")
            assert "content-length" not in (await client.head("/api/probe/export")).headers

            metrics = await client.head("/metrics")  # its body changes as it counts: status and type only
            assert metrics.status_code == 200 and metrics.content == b""
            assert metrics.headers["content-type"].startswith("text/plain")
            counted = (await client.get("/metrics")).text
            assert 'method="HEAD",route="/healthz"' in counted

            # Keep-alive survived every bodiless answer: the connection still parses a normal one.
            assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_a_path_without_get_still_refuses_head(service_env) -> None:
    app = probe_app(service_env)
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
            head = await client.head("/api/probe/things")
            assert head.status_code == 405 and head.content == b""
            assert head.headers["allow"] == "POST"
            assert (await client.post("/api/probe/things")).status_code == 200

            # A path that has a GET now names HEAD among what it allows.
            refused = await client.delete("/healthz")
            assert refused.status_code == 405
            assert {m.strip() for m in refused.headers["allow"].split(",")} == {"GET", "HEAD"}
    assert all("head" not in ops for ops in app.openapi()["paths"].values())  # the schema is unchanged


async def test_the_servers_scope_keeps_head(service_env) -> None:
    """The request runs as GET on a copy: the server reads its own scope's method to know to send no body."""
    app = probe_app(service_env)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "HEAD",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"probe")],
        "client": ("127.0.0.1", 1234),
        "server": ("probe", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert scope["method"] == "HEAD"
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert dict(sent[0]["headers"])[b"content-length"] == str(len(b'{"status":"ok"}')).encode()
    assert sent[1]["body"] == b"" and not sent[1].get("more_body", False)
