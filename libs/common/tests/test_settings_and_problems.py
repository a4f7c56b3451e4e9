import asyncio

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy.exc import DBAPIError

from adpilot_common.devstack.ports import free_port
from adpilot_common.problems import Problem, install_problem_handlers
from adpilot_common.settings import (
    DEV_SECRET_MARKER,
    BaseServiceSettings,
    service_config,
)
from adpilot_common.testing.servers import serve_asgi


class DemoSettings(BaseServiceSettings):
    model_config = service_config("DEMO_")
    signing_key: SecretStr = SecretStr(f"{DEV_SECRET_MARKER}-signing-key")


def test_env_prefix_is_per_service(monkeypatch):
    monkeypatch.setenv("DEMO_HTTP_PORT", "9123")
    monkeypatch.setenv("OTHER_HTTP_PORT", "1")
    monkeypatch.setenv("DEMO_CONSUMER_RETRY_DELAYS_S", "[0.5, 2]")
    settings = DemoSettings()
    assert settings.http_port == 9123
    assert settings.consumer_retry_delays_s == [0.5, 2.0]


def test_default_secrets_are_refused_outside_development(monkeypatch):
    monkeypatch.setenv("DEMO_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="DEMO_SIGNING_KEY still hold development defaults"):
        DemoSettings()
    monkeypatch.setenv("DEMO_SIGNING_KEY", "a-real-key-from-the-secret-store")
    assert DemoSettings().signing_key.get_secret_value() == "a-real-key-from-the-secret-store"


def test_default_secrets_are_fine_in_development():
    assert (
        DemoSettings(environment="development").signing_key.get_secret_value().startswith(DEV_SECRET_MARKER)
    )


class Body(BaseModel):
    count: int


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/teapot")
    async def teapot() -> None:
        raise Problem(418, detail="short and stout", type_="https://adpilot.dev/problems/teapot", hint="tip")

    @app.post("/body")
    async def body(payload: Body) -> Body:
        return payload

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def test_errors_are_rfc9457_problem_json():
    transport = httpx.ASGITransport(problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        teapot = await client.get("/teapot")
        assert teapot.status_code == 418
        assert teapot.headers["content-type"] == "application/problem+json"
        assert teapot.json() == {
            "type": "https://adpilot.dev/problems/teapot",
            "title": "I'm a Teapot",
            "status": 418,
            "detail": "short and stout",
            "instance": "/teapot",
            "hint": "tip",
        }

        invalid = await client.post("/body", json={"count": "many"})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["loc"] == ["body", "count"]

        missing = await client.get("/nowhere")
        assert missing.status_code == 404 and missing.json()["title"] == "Not Found"

        boom = await client.get("/boom")
        assert boom.status_code == 500
        assert "secret internals" not in boom.text and boom.json()["status"] == 500


class _Refused(Exception):
    """What asyncpg raises for a NUL character in text (SQLSTATE 22021)."""

    sqlstate = "22021"


async def test_an_unstorable_text_answer_keeps_the_connection_open():
    """The 422 for unstorable text must not close the keep-alive connection it was sent on: the gateway
    sends its next request on that pooled connection."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.put("/voice")
    async def voice() -> dict[str, str]:
        raise DBAPIError("UPDATE brand_voice SET ...", {}, _Refused("invalid byte sequence: 0x00"))

    request = b"PUT /voice HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
    port = free_port()
    async with serve_asgi(app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(2):  # the same connection, twice
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
                assert head.startswith(b"HTTP/1.1 422"), head
                assert b"connection: close" not in head.lower()
                length = int(next(line.split(b":")[1] for line in head.lower().split(b"\r\n")
                                  if line.startswith(b"content-length")))  # fmt: skip
                body = await reader.readexactly(length)
                assert b"Unstorable text" in body
        finally:
            writer.close()
