"""Shared by the sync, schedule and accounts API tests: a linked sandbox login, the stream, run helpers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from nats.aio.client import Client as NatsClient
from sqlalchemy import insert

from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.jobs import JobLease, JobRunner
from adpilot_common.scheduling import ScheduledJob, Ticker, slot_start, tick_id
from adpilot_common.testing.waiting import eventually
from adpilot_connectors.credentials import seal, unseal
from adpilot_connectors.models import PlatformConnection, SyncRun
from adpilot_connectors.platforms.sandbox import SandboxPlatform
from adpilot_connectors.schedule import SYNC_JOB
from adpilot_connectors.sync.runner import sync_job_handler

from .conftest import ConnectorsApp, Tenant

TODAY = date(2026, 6, 17)  # the sandbox's pinned "today" (a Wednesday)
# Ticks only when a test publishes one: slots of ~31 years, so the app's own ticker fires once, at start.
NO_TICKS_S = 10**9
SYNC_SETTINGS: dict[str, Any] = {
    "initial_backfill_days": 10,
    "sync_interval_s": NO_TICKS_S,
    "token_check_interval_s": NO_TICKS_S,
    "sandbox": {"accounts": 2, "lookback_days": 3},
}


@dataclass
class Linked:
    """A sandbox login of one org with its ad accounts (ids in AdPilot and on the sandbox)."""

    tenant: Tenant
    connection_id: uuid.UUID
    sandbox: SandboxPlatform
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)  # external id -> AdPilot id

    @property
    def first(self) -> tuple[str, uuid.UUID]:
        return next(iter(self.accounts.items()))


async def link_sandbox(
    app: ConnectorsApp, tenant: Tenant, *, label: str = "Sandbox", with_accounts: bool = True
) -> Linked:
    """The org's sandbox login, linked through the API (it discovers the accounts); the sandbox's clock pinned to
    TODAY. ``with_accounts=False``: a second login of the same platform without accounts (stored directly, as the
    API allows one sandbox login per org), for what concerns connections rather than accounts."""
    if not with_accounts:
        connection_id = uuid.uuid4()
        async with app.connectors.sessions() as session, session.begin():
            await session.execute(
                insert(PlatformConnection).values(
                    id=connection_id,
                    org_id=tenant.org_id,
                    platform="sandbox",
                    created_by=tenant.user_id,
                    label=label,
                    access_token_encrypted=seal(app.connectors.box, f"sandbox-token-{connection_id.hex}"),
                    status="active",
                )
            )
        return Linked(tenant, connection_id, app.connectors.clients.sandbox(connection_id, tenant.org_id))
    response = await app.client.post("/api/connectors/connections/sandbox", headers=tenant.headers)
    assert response.status_code == 201, response.text
    connection_id = uuid.UUID(response.json()["id"])
    sandbox = app.connectors.clients.sandbox(connection_id, tenant.org_id)
    sandbox.today = TODAY
    linked = Linked(tenant, connection_id, sandbox)
    rows = await app.rows(
        "SELECT external_id, id FROM ad_accounts WHERE connection_id = :id ORDER BY external_id",
        id=connection_id,
    )
    linked.accounts = {row["external_id"]: row["id"] for row in rows}
    assert len(linked.accounts) == len(await sandbox.list_accounts())
    return linked


async def access_token(app: ConnectorsApp, connection_id: uuid.UUID) -> str:
    """The connection's token, decrypted (to prove it never leaks into errors)."""
    sealed = await app.scalar(
        "SELECT access_token_encrypted FROM platform_connections WHERE id = :id", id=connection_id
    )
    return unseal(app.connectors.box, sealed)


async def stop_app_runner(app: ConnectorsApp) -> None:
    """Runs stay where a test puts them (the test drives its own runner)."""
    await app.app.state.sync_runner.stop()


def sync_runner(app: ConnectorsApp, **kwargs: Any) -> JobRunner:
    """A replica's sync runner: the real handler on the app's database."""
    handler = kwargs.pop("handler", None) or sync_job_handler(app.connectors)
    kwargs.setdefault("lease_s", 30.0)
    return JobRunner(SyncRun, app.connectors.sessions, handler, **kwargs)


async def sync_now(app: ConnectorsApp, tenant: Tenant, account_id: uuid.UUID) -> dict[str, Any]:
    response = await app.client.post(f"/api/connectors/accounts/{account_id}/sync", headers=tenant.headers)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def run_finished(app: ConnectorsApp, tenant: Tenant, run_id: str) -> dict[str, Any]:
    result: dict[str, Any] = {}

    async def finished() -> bool:
        response = await app.client.get(f"/api/connectors/sync-runs/{run_id}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        result.update(response.json())
        return result["status"] in ("succeeded", "failed")

    await eventually(finished, what=f"sync run {run_id} to finish")
    return result


async def synced(app: ConnectorsApp, tenant: Tenant, account_id: uuid.UUID) -> dict[str, Any]:
    """Sync now through the API and the app's runner; the finished run."""
    run = await sync_now(app, tenant, account_id)
    return await run_finished(app, tenant, run["id"])


async def drained(app: ConnectorsApp) -> None:
    async def empty() -> bool:
        return not await app.scalar("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")

    await eventually(empty, what="the outbox relay to publish everything")


async def connector_events(app: ConnectorsApp, nats: NatsClient, prefix: str = "") -> list[EventEnvelope]:
    """Every event in the CONNECTORS stream (after the outbox drained) whose subject starts with ``prefix``."""
    await drained(app)
    js = nats.jetstream()
    info = await js.stream_info("CONNECTORS")
    events = []
    if info.state.messages:
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg("CONNECTORS", seq)
            if msg.subject.startswith(prefix):
                assert msg.data is not None
                events.append(EventEnvelope.from_bytes(msg.data))
    return events


def of_run(events: list[EventEnvelope], run_id: str | uuid.UUID) -> list[EventEnvelope]:
    run = str(run_id)
    return [e for e in events if str(e.data.get("sync_run_id", e.data.get("run_id"))) == run]


def metric_rows(events: list[EventEnvelope]) -> list[dict[str, Any]]:
    return [row for e in events if e.type == "metrics.v1.fetched" for row in e.data["rows"]]


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


async def publish_tick(nats: NatsClient, slot: datetime, replicas: int = 1) -> uuid.UUID:
    """The ``connectors.sync`` tick of ``slot``, published by ``replicas`` tickers; its event id."""
    job = ScheduledJob(SYNC_JOB, NO_TICKS_S)
    for _ in range(replicas):
        await Ticker(nats.jetstream(), [job], source="connectors").publish_due(slot)
    return tick_id(SYNC_JOB, slot_start(NO_TICKS_S, slot))


async def tick_handled(app: ConnectorsApp, event_id: uuid.UUID) -> None:
    async def handled() -> bool:
        return bool(
            await app.scalar("SELECT count(*) FROM processed_messages WHERE event_id = :id", id=event_id)
        )

    await eventually(handled, what="the tick to be handled")


def gate_handler(
    app: ConnectorsApp, gate: asyncio.Event, claimed: asyncio.Event
) -> Callable[..., Awaitable[None]]:
    """The real sync handler, held at the start until ``gate`` opens (a run that stays "running")."""
    real = sync_job_handler(app.connectors)

    async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
        claimed.set()
        await gate.wait()
        await real(job_id, lease)

    return handle
