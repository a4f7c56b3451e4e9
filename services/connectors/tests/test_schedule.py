"""The ``connectors.sync`` schedule tick: one queued run per due account, whoever publishes the tick, however often."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import text

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_connectors.sync.scheduling import enqueue_scheduled_syncs

from .conftest import ConnectorsApp
from .sync_support import (
    link_sandbox,
    publish_tick,
    stop_app_runner,
    sync_runner,
    tick_handled,
)

SLOT = datetime(2040, 1, 1, tzinfo=UTC)


@pytest.fixture
async def app(app: ConnectorsApp) -> ConnectorsApp:
    await stop_app_runner(app)  # queued runs stay queued, so the test sees exactly what a tick queued
    return app


async def scheduled_runs(app: ConnectorsApp) -> dict[object, int]:
    rows = await app.rows(
        "SELECT account_id, count(*) AS n FROM sync_runs WHERE trigger = 'schedule' GROUP BY account_id"
    )
    return {row["account_id"]: row["n"] for row in rows}


async def execute(app: ConnectorsApp, sql: str, **params: object) -> None:
    async with app.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_a_tick_queues_one_run_per_due_account_once(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    due = await link_sandbox(app, app.tenant())
    other_org = await link_sandbox(app, app.tenant())
    disabled = await link_sandbox(app, app.tenant())
    paused = await link_sandbox(app, app.tenant())
    broken = await link_sandbox(app, app.tenant())
    manager = await link_sandbox(app, app.tenant())
    (_, disabled_id), _ = disabled.accounts.items()
    await execute(app, "UPDATE ad_accounts SET sync_enabled = false WHERE id = :id", id=disabled_id)
    await execute(
        app,
        "UPDATE platform_connections SET paused_until = now() + interval '10 minutes' WHERE id = :id",
        id=paused.connection_id,
    )
    await execute(
        app,
        "UPDATE platform_connections SET status = 'reconnect_required' WHERE id = :id",
        id=broken.connection_id,
    )
    (_, manager_id), _ = manager.accounts.items()
    await execute(app, "UPDATE ad_accounts SET is_manager = true WHERE id = :id", id=manager_id)

    # Two replicas publish the same slot: the stream keeps one tick, the consumer handles it once.
    tick = await publish_tick(nats_client, SLOT, replicas=2)
    await tick_handled(app, tick)
    info = await nats_client.jetstream().stream_info("SCHEDULE")
    assert info.state.messages == 3  # the app's start-up ticks (sync, token check), and this slot's once

    expected = {
        *due.accounts.values(),
        *other_org.accounts.values(),
        *(a for a in disabled.accounts.values() if a != disabled_id),
        *(a for a in manager.accounts.values() if a != manager_id),
    }
    assert await scheduled_runs(app) == dict.fromkeys(expected, 1)
    rows = await app.rows("SELECT org_id, account_id, status, requested_by FROM sync_runs")
    assert {row["status"] for row in rows} == {"queued"} and {row["requested_by"] for row in rows} == {None}
    org_of = {a: due.tenant.org_id for a in due.accounts.values()}
    assert all(row["org_id"] == org_of[row["account_id"]] for row in rows if row["account_id"] in org_of)

    # The next slot while those runs are still queued: nothing stacks up.
    await tick_handled(app, await publish_tick(nats_client, SLOT + timedelta(days=30000)))
    assert await scheduled_runs(app) == dict.fromkeys(expected, 1)

    # Once a run is over, the next tick queues the account again; a run in progress still blocks it.
    runner = sync_runner(app)
    assert await runner.run_one()
    finished = await app.rows("SELECT account_id FROM sync_runs WHERE status = 'succeeded'")
    assert len(finished) == 1
    async with app.connectors.sessions() as session, session.begin():
        await enqueue_scheduled_syncs(
            session, app.connectors, ScheduleTick(job="connectors.sync", slot_start=SLOT, interval_s=900)
        )
    counts = await scheduled_runs(app)
    assert counts == {a: 2 if a == finished[0]["account_id"] else 1 for a in expected}
