"""One trace, end to end: a request through the gateway into a service, that service's database and outbox, the
relay's publish to NATS, and the consuming service's handler and its database writes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
from fastapi import APIRouter, Depends
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.app import create_service_app
from adpilot_common.db import EventingBase, create_engine
from adpilot_common.dependencies import db_session
from adpilot_common.devstack.ports import free_port
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.settings import BaseServiceSettings, service_config
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.spans import captured_spans, spans_named
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_gateway.config import Settings
from adpilot_gateway.main import create_app

SUBJECT = "user.v1.registered"


class ProducerSettings(BaseServiceSettings):
    model_config = service_config("PRODUCER_")
    service_name: ClassVar[str] = "producer"


class ListenerSettings(BaseServiceSettings):
    model_config = service_config("LISTENER_")
    service_name: ClassVar[str] = "listener"


async def database_with(url: str, table_sql: str) -> None:
    engine = create_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(EventingBase.metadata.create_all)
        await conn.execute(text(table_sql))
    await engine.dispose()


async def count(url: str, table: str) -> int:
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        n = int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608
    await engine.dispose()
    return n


def statement_span(spans: list[ReadableSpan], fragment: str) -> ReadableSpan:
    found = [s for s in spans if any(fragment in str(v) for v in (s.attributes or {}).values())]
    assert len(found) == 1, f"one span runs {fragment!r}: {[s.name for s in found]}"
    return found[0]


def only(spans: list[ReadableSpan]) -> ReadableSpan:
    assert len(spans) == 1, [s.name for s in spans]
    return spans[0]


async def test_one_trace_id_covers_gateway_service_database_outbox_and_consumer(
    service_env: Callable[..., dict[str, Any]], new_database: Callable[..., str], tmp_path: Path
) -> None:
    producer_url, listener_url = new_database(), new_database()
    await database_with(producer_url, "CREATE TABLE things (id uuid PRIMARY KEY)")
    await database_with(listener_url, "CREATE TABLE effects (event_id uuid NOT NULL)")

    router = APIRouter()

    @router.post("/api/metrics/things")
    async def make_thing(session: AsyncSession = Depends(db_session)) -> dict[str, str]:
        thing = uuid.uuid4()
        await session.execute(text("INSERT INTO things (id) VALUES (:id)"), {"id": thing})
        event = build_event(SUBJECT, UserRegistered(user_id=thing, email="t@example.com"), source="producer")
        await add_to_outbox(session, event)
        return {"id": str(thing)}

    async def record(session: AsyncSession, envelope: EventEnvelope, payload: UserRegistered) -> None:
        await session.execute(text("INSERT INTO effects (event_id) VALUES (:id)"), {"id": envelope.id})

    with captured_spans() as exporter:
        producer = create_service_app(
            ServiceRuntime(ProducerSettings(**service_env(producer_url))), title="producer", routers=[router]
        )
        listener_runtime = ServiceRuntime(ListenerSettings(**service_env(listener_url)))
        listener_runtime.consume(SUBJECT, record)
        listener = create_service_app(listener_runtime, title="listener")
        port = free_port()
        (tmp_path / "index.html").write_text("<!doctype html><title>AdPilot</title>")
        issuer = TestTokenIssuer()
        gateway = create_app(
            Settings(**service_env(), spa_dir=tmp_path, metrics_url=f"http://127.0.0.1:{port}"),
            jwks=issuer.jwks_cache(),
        )
        async with (
            running(producer),
            serve_asgi(producer, port, what="producer service"),
            running(listener),
            running(gateway),
            httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gw") as client,
        ):
            response = await client.post("/api/metrics/things")
            assert response.status_code == 200, response.text

            for _ in range(600):
                if await count(listener_url, "effects") == 1:
                    break
                await asyncio.sleep(0.05)
            assert await count(listener_url, "effects") == 1

        spans = list(exporter.get_finished_spans())

    gateway_server = only(
        [s for s in spans if s.kind == SpanKind.SERVER and s.name == "POST /api/{service}/{path:path}"]
    )
    trace_id = gateway_server.context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]

    service_server = only([s for s in in_trace if s.kind == SpanKind.SERVER and s.name.endswith("/things")])
    assert service_server.parent is not None
    assert service_server.parent.span_id == gateway_server.context.span_id  # the proxy passed its context on

    service_insert = statement_span(in_trace, "INSERT INTO things")
    outbox_insert = statement_span(in_trace, "INSERT INTO outbox_messages")
    publish = only([s for s in spans_named(exporter, f"{SUBJECT} publish") if s.context.trace_id == trace_id])
    process = only([s for s in spans_named(exporter, f"{SUBJECT} handle") if s.context.trace_id == trace_id])
    consumer_insert = statement_span(in_trace, "INSERT INTO effects")

    assert publish.kind == SpanKind.PRODUCER and process.kind == SpanKind.CONSUMER
    assert process.parent is not None and process.parent.span_id == publish.context.span_id
    assert consumer_insert.parent is not None and consumer_insert.parent.span_id == process.context.span_id
    assert process.attributes is not None
    assert process.attributes["messaging.consumer.group.name"] == "listener--user-v1-registered"
    for span in (service_insert, outbox_insert, publish, process, consumer_insert):
        assert span.context.trace_id == trace_id
