"""notify under test: real PostgreSQL (migrated), a real nats-server, a real SMTP server (aiosmtpd) and fake
WhatsApp Cloud API / signal-cli / webhook receivers on loopback. Events go in through JetStream."""

from __future__ import annotations

import asyncio
import email
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from nats.js import JetStreamContext
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adpilot_common.devstack.ports import free_port
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.streams import stream_for_subject
from adpilot_common.messaging.consumer import durable_name
from adpilot_common.messaging.outbox import build_event
from adpilot_common.testing.jetstream import consumer_caught_up
from adpilot_common.testing.plugin import running
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_common.testing.waiting import eventually
from adpilot_notify.config import Settings
from adpilot_notify.main import create_app

BASE_URL = "https://app.adpilot.test"


# --- a real SMTP server -------------------------------------------------------------------------------------


class SmtpHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.reject: set[str] = set()  # recipients answered with 550
        self.defer: dict[str, int] = {}  # recipient -> how many more times to answer 451 (try again later)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        if self.defer.get(address):
            self.defer[address] -= 1
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) bodies of a multipart/alternative email."""
    text_part = html_part = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text_part = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
        elif part.get_content_type() == "text/html":
            html_part = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
    return text_part, html_part


@pytest.fixture
def smtp() -> Any:
    handler = SmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


# --- fake HTTP providers ------------------------------------------------------------------------------------


@dataclass
class FakeHttp:
    """Records every request; answers with the queued (status, headers) responses, then 200."""

    url: str = ""
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    always: int | None = None

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        self.requests.append((request.url.path, dict(request.headers), body))
        if self.script:
            status, headers = self.script.pop(0)
        else:
            status, headers = (self.always or 200), {}
        return JSONResponse({"ok": status < 300}, status_code=status, headers=headers)


@pytest.fixture
async def fake_http() -> AsyncIterator[Callable[[], Awaitable[FakeHttp]]]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start() -> FakeHttp:
        fake = FakeHttp()
        app = Starlette(routes=[Route("/{path:path}", fake.endpoint, methods=["POST"])])
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=2,
            )
        )
        task = asyncio.create_task(server.serve())
        servers.append((server, task))

        async def started() -> bool:
            return bool(server.started)

        await eventually(started, timeout=10)
        fake.url = f"http://127.0.0.1:{port}"
        return fake

    yield start
    for server, task in servers:
        server.should_exit = True
        await task


# --- the service ------------------------------------------------------------------------------------------


@dataclass
class Notify:
    app: Any
    engine: AsyncEngine
    js: JetStreamContext
    issuer: TestTokenIssuer
    settings: Settings

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(self.app), base_url="http://notify")

    def headers(self, org: uuid.UUID, user: uuid.UUID, role: str = "admin") -> dict[str, str]:
        return self.issuer.headers(org_id=org, user_id=user, role=role)

    async def publish(self, envelope: EventEnvelope, *, msg_id: str | None = None) -> None:
        """Publish into JetStream (as the producer's relay would) and wait until notify has handled it."""
        ack = await self.js.publish(
            envelope.type, envelope.to_bytes(), headers={"Nats-Msg-Id": msg_id or str(envelope.id)}
        )
        stream = stream_for_subject(envelope.type).name
        consumer = durable_name("notify", envelope.type)

        await eventually(lambda: consumer_caught_up(self.js, stream, consumer, ack.seq))

    async def rows(self, sql: str, **params: object) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]

    async def execute(self, sql: str, **params: object) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text(sql), params)

    async def deliveries(self, **where: object) -> list[dict[str, Any]]:
        clause = " AND ".join(f"{k} = :{k}" for k in where) or "true"
        return await self.rows(f"SELECT * FROM deliveries WHERE {clause} ORDER BY created_at, id", **where)  # noqa: S608

    async def settled(self, **where: object) -> list[dict[str, Any]]:
        """Wait until every matching delivery is finished (sent or failed); returns them."""
        found: list[dict[str, Any]] = []

        async def done() -> bool:
            nonlocal found
            found = await self.deliveries(**where)
            return bool(found) and all(d["status"] in ("succeeded", "failed") for d in found)

        await eventually(done)
        return found

    async def subscribe(
        self,
        org: uuid.UUID,
        user: uuid.UUID,
        channel: str,
        address: str,
        event_types: list[str],
        **prefs: Any,
    ) -> None:
        """A verified destination (inserted directly) plus preferences set through the API."""
        await self.execute(
            "INSERT INTO destinations (id, org_id, user_id, channel, address, verified_at) "
            "VALUES (:id, :org, :user, :channel, :address, now())",
            id=uuid.uuid4(),
            org=org,
            user=user,
            channel=channel,
            address=address,
        )
        async with self.client() as client:
            body = {"subscriptions": [{"event_type": t, "channel": channel} for t in event_types], **prefs}
            response = await client.put("/api/notify/preferences", json=body, headers=self.headers(org, user))
            assert response.status_code == 200, response.text


def event(subject: str, data: BaseModel, org: uuid.UUID | None = None) -> EventEnvelope:
    return build_event(subject, data, source="test", org_id=org)


@pytest.fixture
def notify_settings(
    new_database: Callable[..., str], service_env: Callable[..., dict[str, Any]], smtp: Any
) -> Callable[..., Settings]:
    url = new_database("notify")

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "public_base_url": BASE_URL,
            "smtp": {"host": "127.0.0.1", "port": smtp[1], "timeout_s": 5},
            "retry": {"max_attempts": 3, "base_delay_s": 0.05, "max_delay_s": 0.2, "window_s": 60},
            "webhooks": {
                "timeout_s": 5,
                "retry": {"max_attempts": 3, "base_delay_s": 0.05, "max_delay_s": 0.2, "window_s": 60},
                "disable_after_failures": 2,
            },
            "delivery_poll_interval_s": 0.05,
            # A message lost between pull requests comes back at AckWait (see the plugin): keep that short.
            "consumer_ack_wait_s": 2.0,
            "code_resend_interval_s": 0,
            **overrides,
        }
        return Settings(**service_env(url, **values))

    return build


@pytest.fixture
async def start_notify(
    notify_settings: Callable[..., Settings], js: JetStreamContext
) -> AsyncIterator[Callable[..., Awaitable[Notify]]]:
    stack: list[Any] = []

    async def start(**overrides: Any) -> Notify:
        settings = notify_settings(**overrides)
        issuer = TestTokenIssuer()
        app = create_app(settings, jwks=issuer.jwks_cache())
        context = running(app)
        await context.__aenter__()
        engine = create_async_engine(settings.database_url)
        stack.append((context, engine))
        return Notify(app, engine, js, issuer, settings)

    yield start
    for context, engine in reversed(stack):
        await context.__aexit__(None, None, None)  # bounded by running(): a hung stop becomes a warning
        await engine.dispose()


@pytest.fixture
async def notify(start_notify: Callable[..., Awaitable[Notify]]) -> Notify:
    return await start_notify()
