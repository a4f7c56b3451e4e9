"""The ai-copy service under test: real PostgreSQL (migrated), a real nats-server, and for LLM tests a real
HTTP server on loopback speaking OpenAI's /v1/chat/completions, reached through real litellm."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
import pytest
import uvicorn
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.routing import Route

from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.main import create_app
from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.plugin import running
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_common.testing.waiting import eventually

from .fake_llm import FakeLLM

# ------------------------------------------------------------------------------------------- no egress

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name lookup must be for loopback: litellm (cost maps, telemetry, callbacks) or anything else
    trying to reach the internet fails the test instead of leaking a prompt."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK:
            raise AssertionError(f"network access to {name!r} in a test")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


# ------------------------------------------------------------------------------------------- fake LLM


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    fake = FakeLLM()
    port = free_port()
    app = Starlette(routes=[Route("/v1/chat/completions", fake.chat, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await eventually(started, timeout=10)
    fake.url = f"http://127.0.0.1:{port}/v1"
    yield fake
    fake.release.set()
    server.should_exit = True
    await task


# -------------------------------------------------------------------------------------------- service


@dataclass
class AiCopyService:
    app: Any
    issuer: TestTokenIssuer
    engine: AsyncEngine
    js: JetStreamContext
    org: uuid.UUID = field(default_factory=uuid.uuid4)
    user: uuid.UUID = field(default_factory=uuid.uuid4)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(self.app), base_url="http://ai-copy")

    def headers(
        self, role: str = "member", org: uuid.UUID | None = None, user: uuid.UUID | None = None
    ) -> dict[str, str]:
        return self.issuer.headers(org_id=org or self.org, role=role, user_id=user or self.user)

    async def rows(self, sql: str, **params: object) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def next_event(js: JetStreamContext, subject: str, timeout: float = 30.0) -> dict[str, Any]:
    """The first envelope of ``subject`` in its stream (waits for the outbox relay to publish it)."""
    sub = await js.subscribe(subject, ordered_consumer=True)
    try:
        msg = await sub.next_msg(timeout=timeout)
        return dict(json.loads(msg.data))
    finally:
        await sub.unsubscribe()


async def events_of(js: JetStreamContext, subject: str) -> list[dict[str, Any]]:
    """Every envelope of ``subject`` stored so far."""
    sub = await js.subscribe(subject, ordered_consumer=True)
    out: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except nats.errors.TimeoutError:
                return out
            out.append(json.loads(msg.data))
    finally:
        await sub.unsubscribe()


ServiceFactory = Callable[..., Any]


@pytest.fixture
def ai_copy(
    new_database: Callable[..., str], service_env: Callable[..., dict[str, Any]], js: JetStreamContext
) -> ServiceFactory:
    """``async with ai_copy(**settings) as svc``: a running service on a fresh database (offline by default)."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[AiCopyService]:
        settings = Settings(**service_env(new_database("ai-copy"), **overrides))
        engine = create_async_engine(settings.database_url)
        issuer = TestTokenIssuer()
        app = create_app(settings, jwks=issuer.jwks_cache())
        try:
            async with running(app):
                yield AiCopyService(app, issuer, engine, js)
        finally:
            await engine.dispose()

    return start


BRIEF: dict[str, Any] = {
    "product": "Roastery Coffee Club",
    "offer": "First box 20% off",
    "audience": "home espresso fans",
    "tone": "friendly",
    "platforms": ["google"],
    "variants": 1,
    "final_url": "https://roastery.example/club",
}
