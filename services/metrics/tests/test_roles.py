"""Metrics split into an api process and a worker process of the same database and NATS (METRICS_ROLE): the api
answers queries and never pulls events or ticks; the worker merges what connectors publish and runs the
schedule; the api then answers with the worker's numbers."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_common.testing.plugin import running
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_common.testing.waiting import eventually
from adpilot_metrics.config import Settings
from adpilot_metrics.main import create_app

from .conftest import fetched, row

ORG = uuid.UUID("00000000-0000-4000-8000-00000000c001")
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-00000000c002")
DAY = date(2026, 5, 4)


async def test_an_api_process_answers_and_a_worker_process_ingests(
    new_database, service_env, js: JetStreamContext
):
    url = new_database("metrics")
    issuer = TestTokenIssuer()
    api = create_app(Settings(**service_env(url), role="api"), jwks=issuer.jwks_cache())
    worker = create_app(Settings(**service_env(url), role="worker"), jwks=issuer.jwks_cache())
    viewer = issuer.headers(org_id=str(ORG), role="viewer")
    totals = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    batch = fetched(ORG, ACCOUNT, [row("c-1", DAY, 3), row("c-2", DAY, 4)])
    await js.publish("metrics.v1.fetched", batch.to_bytes(), headers={"Nats-Msg-Id": str(batch.id)})

    async def spend(client: httpx.AsyncClient) -> int | None:
        response = await client.get("/api/metrics/totals", params=totals, headers=viewer)
        assert response.status_code == 200, response.text
        groups = response.json()["totals"]
        return int(groups[0]["current"]["spend_micros"]) if groups else None

    api_client = httpx.AsyncClient(transport=httpx.ASGITransport(api), base_url="http://metrics")
    async with running(api), api_client:
        assert await spend(api_client) is None  # nothing merged: the api does not consume
        consumers = [c.name for c in await js.consumers_info("CONNECTORS")]
        assert consumers == [], "the api process must not create the fetched consumer"
        schedule = await js.stream_info("SCHEDULE")
        assert schedule.state.messages == 0, "the api process runs no schedule ticker"

        worker_client = httpx.AsyncClient(transport=httpx.ASGITransport(worker), base_url="http://metrics")
        async with running(worker), worker_client:
            assert (
                await eventually(lambda: spend(api_client), what="the api to show the worker's merge")
                == 7_000_000
            )
            assert (
                await worker_client.get("/api/metrics/totals", params=totals, headers=viewer)
            ).status_code == 404
            assert (await worker_client.get("/readyz")).status_code == 200

            async def ticked() -> bool:
                return (await js.stream_info("SCHEDULE")).state.messages > 0

            assert await eventually(ticked, what="the worker's schedule ticks")

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            facts = (await conn.execute(text("SELECT count(*) FROM metric_facts"))).scalar_one()
    finally:
        await engine.dispose()
    assert facts == 2
