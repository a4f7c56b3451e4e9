"""Sync runs that go wrong: quotas, revoked access, platform outages, killed workers, leaked secrets."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import text

from adpilot_connectors.platforms.base import InvalidRequest, RateLimited
from adpilot_connectors.sync.runner import sync_give_up_hook

from .conftest import ConnectorsApp
from .sync_support import (
    TODAY,
    access_token,
    connector_events,
    days,
    link_sandbox,
    metric_rows,
    of_run,
    publish_tick,
    run_finished,
    stop_app_runner,
    sync_now,
    sync_runner,
    synced,
    tick_handled,
)


async def cursor(app: ConnectorsApp, account_id: uuid.UUID) -> date | None:
    value: date | None = await app.scalar(
        "SELECT metrics_synced_through FROM ad_accounts WHERE id = :id", id=account_id
    )
    return value


async def runs_of(app: ConnectorsApp, account_id: uuid.UUID) -> int:
    return int(await app.scalar("SELECT count(*) FROM sync_runs WHERE account_id = :id", id=account_id))


async def make_due(app: ConnectorsApp, run_id: object) -> None:
    """Skip a retry's back-off (its length is asserted where it matters)."""
    async with app.engine.begin() as conn:
        await conn.execute(text("UPDATE sync_runs SET available_at = now() WHERE id = :id"), {"id": run_id})


async def test_rate_limit_pauses_the_connection_and_keeps_the_cursor(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first
    await synced(app, tenant, account_id)
    assert await cursor(app, account_id) == TODAY - timedelta(days=1)

    linked.sandbox.advance(2)
    linked.sandbox.fail_next("rate_limited", method="fetch_daily_metrics", retry_after_s=600)
    before = datetime.now(UTC)
    run = await synced(app, tenant, account_id)

    assert (run["status"], run["error_kind"]) == ("failed", "rate_limited")
    assert "rate limit" in run["error"]
    assert await cursor(app, account_id) == TODAY - timedelta(days=1)  # untouched: the next run starts there
    paused_until = await app.scalar(
        "SELECT paused_until FROM platform_connections WHERE id = :id", id=linked.connection_id
    )
    assert before + timedelta(seconds=590) <= paused_until <= datetime.now(UTC) + timedelta(seconds=610)
    (failed,) = of_run(await connector_events(app, nats_client, "connector.v1.sync_failed"), run["id"])
    assert failed.data["error_kind"] == "rate_limited" and failed.org_id == tenant.org_id
    assert datetime.fromisoformat(failed.data["retry_after"]) == paused_until
    accounts = (await app.client.get("/api/connectors/accounts", headers=tenant.headers)).json()
    mine = next(a for a in accounts if a["id"] == str(account_id))
    assert mine["last_sync_status"] == "failed"
    assert datetime.fromisoformat(mine["connection"]["paused_until"]) == paused_until

    # Every replica honours the pause: a tick queues nothing, "sync now" says why and until when.
    runs = await runs_of(app, account_id)
    await tick_handled(app, await publish_tick(nats_client, datetime(2040, 1, 1, tzinfo=UTC)))
    assert await runs_of(app, account_id) == runs
    refused = await app.client.post(f"/api/connectors/accounts/{account_id}/sync", headers=tenant.headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["title"] == "Sync paused"
    assert datetime.fromisoformat(problem["paused_until"]) == paused_until
    assert 0 < int(refused.headers["Retry-After"]) <= 600

    # Once the quota is back, the run resumes from the old cursor: no day is skipped.
    async with app.engine.begin() as conn:
        await conn.execute(text("UPDATE platform_connections SET paused_until = now() - interval '1 second'"))
    resumed = await synced(app, tenant, account_id)
    assert (resumed["status"], resumed["metrics_from"], resumed["metrics_to"]) == (
        "succeeded",
        "2026-06-14",
        "2026-06-19",
    )


async def test_an_app_wide_quota_pauses_every_connection_of_the_platform_in_the_org(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    first = await link_sandbox(app, tenant, label="Agency login")
    second = await link_sandbox(app, tenant, label="Second login", with_accounts=False)
    stranger = await link_sandbox(app, app.tenant("member"))
    first.sandbox.fail_next(
        RateLimited("developer token quota exhausted", retry_after_s=900, scope="developer_token")
    )
    run = await synced(app, tenant, first.first[1])
    assert run["error_kind"] == "rate_limited"

    rows = await app.rows("SELECT id, paused_until FROM platform_connections")
    paused = {row["id"] for row in rows if row["paused_until"] is not None}
    assert paused == {first.connection_id, second.connection_id}  # not another org's
    ok = await synced(app, stranger.tenant, stranger.first[1])
    assert ok["status"] == "succeeded"


async def test_revoked_access_flags_the_connection_and_stops_syncing(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first
    linked.sandbox.fail_next("reconnect", method="list_campaigns")

    run = await synced(app, tenant, account_id)

    assert (run["status"], run["error_kind"], run["attempts"]) == ("failed", "reconnect_required", 1)
    (connection,) = await app.rows(
        "SELECT status, status_reason FROM platform_connections WHERE id = :id", id=linked.connection_id
    )
    assert (
        connection["status"] == "reconnect_required"
        and "link the account again" in connection["status_reason"]
    )
    assert await cursor(app, account_id) is None
    (failed,) = of_run(await connector_events(app, nats_client, "connector.v1."), run["id"])
    assert (failed.type, failed.data["error_kind"]) == ("connector.v1.sync_failed", "reconnect_required")
    accounts = (await app.client.get("/api/connectors/accounts", headers=tenant.headers)).json()
    assert {a["connection_health"] for a in accounts} == {"reconnect_required"}

    # No retry storm: ticks skip the connection, "sync now" explains.
    runs = await runs_of(app, account_id)
    await tick_handled(app, await publish_tick(nats_client, datetime(2040, 1, 1, tzinfo=UTC)))
    assert await runs_of(app, account_id) == runs
    refused = await app.client.post(f"/api/connectors/accounts/{account_id}/sync", headers=tenant.headers)
    assert refused.status_code == 409 and refused.json()["title"] == "Reconnect required"
    assert refused.json()["connection_id"] == str(linked.connection_id)


async def test_platform_outages_are_retried_with_back_off_then_fail_with_an_event(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    await stop_app_runner(app)
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    (ext_a, account_a), (ext_b, account_b) = linked.accounts.items()
    runner = sync_runner(app, max_attempts=3)

    # Two outages, then the platform is back: the same run succeeds on its third attempt.
    linked.sandbox.fail_next("transient", times=2, method="list_ads")
    run_a = await sync_now(app, tenant, account_a)
    for attempt in (1, 2):
        assert await runner.run_one()
        (row,) = await app.rows(
            "SELECT status, attempts, error, extract(epoch FROM available_at - now()) AS delay "
            "FROM sync_runs WHERE id = :id",
            id=run_a["id"],
        )
        assert (row["status"], row["attempts"]) == ("queued", attempt)
        assert "HTTP 503" in row["error"]
        assert 0 < row["delay"] <= 5 * 2 ** (attempt - 1)  # bounded exponential back-off
        await make_due(app, run_a["id"])
    assert await runner.run_one()
    done = await run_finished(app, tenant, run_a["id"])
    assert (done["status"], done["attempts"]) == ("succeeded", 3)

    # An outage that outlasts the attempts: the run fails, and says so.
    linked.sandbox.fail_next("transient", times=3, method="fetch_daily_metrics")
    run_b = await sync_now(app, tenant, account_b)
    for _ in range(3):
        assert await runner.run_one()
        await make_due(app, run_b["id"])
    failed = await run_finished(app, tenant, run_b["id"])
    assert (failed["status"], failed["error_kind"], failed["attempts"]) == ("failed", "platform_error", 3)
    assert await cursor(app, account_b) is None
    events = await connector_events(app, nats_client, "connector.v1.")
    assert [e.data["error_kind"] for e in of_run(events, run_b["id"])] == ["platform_error"]
    assert [e.type for e in of_run(events, run_a["id"])] == ["connector.v1.sync_completed"]
    assert ext_a != ext_b


async def test_a_killed_worker_s_run_resumes_without_duplicates_and_the_cursor_waits(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    await stop_app_runner(app)
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    external_id, account_id = linked.first
    real_fetch = linked.sandbox.fetch_daily_metrics
    expected = [r async for b in real_fetch(external_id, TODAY - timedelta(days=9), TODAY) for r in b]
    # Many small batches, at least six whatever the sandbox generated for this account (a fixed 40 gave only
    # two batches for a small account, and the worker never reached the batch where it is killed).
    batch = max(1, len(expected) // 6)
    linked.sandbox.batch_size = batch
    stalled = asyncio.Event()

    async def fetch_then_hang(account: str, start: date, end: date):  # type: ignore[no-untyped-def]
        async for i, batch in _enumerate(real_fetch(account, start, end)):
            if i == 3:
                stalled.set()
                await asyncio.Event().wait()  # the worker is killed here
            yield batch

    linked.sandbox.fetch_daily_metrics = fetch_then_hang  # type: ignore[method-assign]
    run = await sync_now(app, tenant, account_id)
    doomed = sync_runner(app, lease_s=1.0)
    task = asyncio.create_task(doomed.run_one())
    await asyncio.wait(
        [task, asyncio.create_task(stalled.wait())], timeout=60, return_when=asyncio.FIRST_COMPLETED
    )
    assert stalled.is_set(), f"the worker ended before its fourth batch: {task}"
    (mid,) = await app.rows("SELECT status, metric_rows FROM sync_runs WHERE id = :id", id=run["id"])
    assert (mid["status"], mid["metric_rows"]) == ("running", 3 * batch)  # three batches committed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await cursor(app, account_id) is None  # committed rows were sent, but the window is not complete

    del linked.sandbox.fetch_daily_metrics  # the platform behaves again
    survivor = sync_runner(app)

    async def taken_over() -> bool:
        return await survivor.run_one()

    deadline = asyncio.get_running_loop().time() + 60
    while not await taken_over():  # once the dead worker's lease runs out
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
    done = await run_finished(app, tenant, run["id"])
    assert (done["status"], done["attempts"]) == ("succeeded", 2)
    assert await cursor(app, account_id) == TODAY - timedelta(days=1)

    batches = [
        e
        for e in of_run(await connector_events(app, nats_client), run["id"])
        if e.type == "metrics.v1.fetched"
    ]
    assert len({e.id for e in batches}) == len(batches) == -(-len(expected) // batch)  # each batch once
    assert done["metric_rows"] == len(expected) == len(metric_rows(batches))
    keys = [(r["ad_id"], r["day"]) for r in metric_rows(batches)]
    assert len(set(keys)) == len(keys)
    assert {date.fromisoformat(d) for _, d in keys} == days(TODAY - timedelta(days=9), TODAY)


async def _enumerate(it):  # type: ignore[no-untyped-def]
    i = 0
    async for item in it:
        yield i, item
        i += 1


async def test_a_crash_looping_run_is_failed_with_its_event(
    app: ConnectorsApp, nats_client: NatsClient
) -> None:
    await stop_app_runner(app)
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first
    run = await sync_now(app, tenant, account_id)
    async with app.engine.begin() as conn:  # its workers died five times
        await conn.execute(
            text(
                "UPDATE sync_runs SET status = 'running', attempts = 5, leased_by = 'gone', "
                "lease_expires_at = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": run["id"]},
        )
    runner = sync_runner(app, on_give_up=sync_give_up_hook(app.connectors))
    assert await runner.run_one()
    failed = await run_finished(app, tenant, run["id"])
    assert (failed["status"], failed["error_kind"]) == ("failed", "internal")
    (event,) = of_run(await connector_events(app, nats_client, "connector.v1."), run["id"])
    assert event.type == "connector.v1.sync_failed" and "gave up after 5 attempts" in event.data["error"]


async def test_errors_never_carry_tokens(app: ConnectorsApp, nats_client: NatsClient) -> None:
    tenant = app.tenant("member")
    linked = await link_sandbox(app, tenant)
    _, account_id = linked.first
    token = await access_token(app, linked.connection_id)
    linked.sandbox.fail_next(
        InvalidRequest(f"GET /v19.0/act_1/insights?access_token={token}&fields=spend refused (token {token})")
    )
    run = await synced(app, tenant, account_id)
    assert (run["status"], run["error_kind"]) == ("failed", "invalid_request")
    assert token not in run["error"] and "access_token=[redacted]" in run["error"]
    (event,) = of_run(await connector_events(app, nats_client, "connector.v1.sync_failed"), run["id"])
    assert token not in event.data["error"]
