"""/readyz follows the real dependencies; a request's correlation id travels into the events it causes."""

from __future__ import annotations

import json

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import text

from adpilot_common.app import create_service_app
from adpilot_common.dependencies import db_session
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.security.tokens import JwksCache
from adpilot_common.testing.plugin import running
from adpilot_common.testing.waiting import eventually

from .conftest import ProbeSettings, user_event
from .security_helpers import JwksServer, Signer


async def test_readyz_reports_nats_outage_and_recovery(eventing_db, service_env, nats_server):
    app = create_service_app(ServiceRuntime(ProbeSettings(**service_env(eventing_db.url))), title="probe")
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ready", "checks": {"database": "ok", "nats": "ok"}}
            assert (await client.get("/healthz")).json() == {"status": "ok"}

            nats_server.kill()

            async def not_ready() -> bool:
                response = await client.get("/readyz")
                return response.status_code == 503 and response.json()["checks"]["nats"] != "ok"

            await eventually(not_ready, timeout=15, what="/readyz to report NATS down")
            assert (await client.get("/healthz")).status_code == 200  # alive, just not ready

            nats_server.start()

            async def ready_again() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready_again, timeout=30, what="/readyz to recover after NATS restarts")
            metrics = await client.get("/metrics")
            assert 'adpilot_http_requests_total{method="GET",route="/readyz",service="probe"' in metrics.text


class AuthProbeSettings(ProbeSettings, TokenVerificationSettings):
    pass


async def test_readyz_waits_for_the_signing_keys_of_an_auth_service_that_starts_later(
    eventing_db, service_env
):
    auth = JwksServer(Signer("k1"))  # auth is not listening yet
    app = create_service_app(ServiceRuntime(AuthProbeSettings(**service_env(eventing_db.url))), title="probe")
    install_auth(app, jwks=JwksCache.from_url(auth.url), listen_for_revocations=False)
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["auth_keys"] != "ok"
            async with auth:

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                await eventually(ready, timeout=15, what="/readyz once auth serves its keys")
                assert (await client.get("/readyz")).json()["checks"]["auth_keys"] == "ok"


async def test_correlation_id_flows_from_request_to_event_and_logs(eventing_db, service_env, capsys):
    router = APIRouter()

    @router.post("/api/probe/things")
    async def make_thing(session=Depends(db_session)) -> dict[str, str]:
        payload = UserRegistered.model_validate(user_event().data)
        await add_to_outbox(session, build_event("user.v1.registered", payload, source="probe"))
        return {"ok": "yes"}

    runtime = ServiceRuntime(ProbeSettings(**service_env(eventing_db.url)))
    app = create_service_app(runtime, title="probe", routers=[router])
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
            response = await client.post("/api/probe/things", headers={"X-Correlation-ID": "req-42"})
            assert response.headers["X-Correlation-ID"] == "req-42"
            generated = await client.post("/api/probe/things")
            assert len(generated.headers["X-Correlation-ID"]) == 36  # a fresh UUID when none was sent

    async def staged() -> bool:
        return await eventing_db.scalar("SELECT count(*) FROM outbox_messages") == 2

    await eventually(staged)
    async with eventing_db.engine.connect() as conn:
        payloads = (await conn.execute(text("SELECT payload FROM outbox_messages"))).scalars().all()
    correlation_ids = {json.loads(p)["correlation_id"] for p in payloads}
    assert "req-42" in correlation_ids

    log_lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert log_lines, "services log JSON lines"
    assert all({"timestamp", "level", "message"} <= set(line) for line in log_lines)
