"""Service roles: an ``api`` process answers HTTP and never consumes or runs background work; a ``worker``
process consumes and runs it, and answers only the ops endpoints. Both on real NATS and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.testing.plugin import running
from adpilot_common.testing.waiting import eventually

from .conftest import CONSUMER, SUBJECT, ProbeSettings, record_effect, user_event

STREAM = "AUTH"  # user.v1.* events


def probe_app(runtime: ServiceRuntime, background: list[str]) -> FastAPI:
    """The probe service: one consumer, one background task (recorded when it starts and stops), one route."""
    router = APIRouter()

    @router.get("/api/probe/hello")
    async def hello() -> dict[str, str]:
        return {"hello": runtime.settings.role.value}

    async def start() -> None:
        background.append("started")

    async def stop() -> None:
        background.append("stopped")

    runtime.consume(SUBJECT, record_effect)
    runtime.in_background(start, stop)
    return create_service_app(runtime, title="probe", routers=[router])


async def durable_exists(js: JetStreamContext) -> bool:
    try:
        await js.consumer_info(STREAM, CONSUMER)
    except NotFoundError:
        return False
    return True


async def test_an_api_process_serves_http_and_a_worker_process_consumes_the_events(
    eventing_db, service_env, js
):
    event = user_event(1)
    await js.publish(SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})

    api_background: list[str] = []
    api = probe_app(ServiceRuntime(ProbeSettings(**service_env(eventing_db.url), role="api")), api_background)
    async with running(api), httpx.AsyncClient(transport=httpx.ASGITransport(api), base_url="http://p") as c:
        assert (await c.get("/api/probe/hello")).json() == {"hello": "api"}
        assert (await c.get("/readyz")).status_code == 200
        assert not await durable_exists(js), "an api process must not create or pull the durable consumer"
        assert await eventing_db.effects() == 0
    assert api_background == [], "an api process runs no background work"

    worker_background: list[str] = []
    worker = probe_app(
        ServiceRuntime(ProbeSettings(**service_env(eventing_db.url), role="worker")), worker_background
    )
    async with (
        running(worker),
        httpx.AsyncClient(transport=httpx.ASGITransport(worker), base_url="http://p") as c,
    ):

        async def applied() -> bool:
            return await eventing_db.effects() == 1

        await eventually(applied, what="the worker to apply the event the api process left")
        assert (await c.get("/api/probe/hello")).status_code == 404
        for ops in ("/healthz", "/readyz", "/metrics"):
            assert (await c.get(ops)).status_code == 200, ops
        assert worker_background == ["started"]
    assert worker_background == ["started", "stopped"]


async def test_the_default_role_does_both(eventing_db, service_env, js):
    background: list[str] = []
    app = probe_app(ServiceRuntime(ProbeSettings(**service_env(eventing_db.url))), background)
    event = user_event(2)
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p") as c:
        assert (await c.get("/api/probe/hello")).json() == {"hello": "all"}
        await js.publish(SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})

        async def applied() -> bool:
            return await eventing_db.effects() == 1

        await eventually(applied, what="the event to be applied")
        assert background == ["started"]


def test_an_unknown_role_is_refused():
    with pytest.raises(ValidationError, match="role"):
        ProbeSettings(role="batch")
