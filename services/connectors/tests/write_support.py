"""Helpers of the write tests: link the sandbox, submit write jobs, wait for them, read audit entries back."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import nats.errors
from nats.aio.client import Client as NatsClient

from adpilot_common.testing.waiting import eventually
from adpilot_connectors.platforms.sandbox import SandboxPlatform

from .conftest import ConnectorsApp, Tenant

API = "/api/connectors"
FINISHED = {"succeeded", "partially_failed", "failed"}
HEADLINES = ["Trail shoes for every run", "Light and fast", "Free returns"]
DESCRIPTIONS = ["Grippy soles for muddy trails.", "Order today, run tomorrow."]


@dataclass
class Linked:
    connection_id: uuid.UUID
    account_id: uuid.UUID
    external_id: str
    sandbox: SandboxPlatform


async def link_sandbox(app: ConnectorsApp, tenant: Tenant) -> Linked:
    response = await app.client.post(f"{API}/connections/sandbox", headers=tenant.headers)
    assert response.status_code == 201, response.text
    connection_id = uuid.UUID(response.json()["id"])
    rows = await app.rows(
        "SELECT id, external_id FROM ad_accounts WHERE connection_id = :c ORDER BY external_id",
        c=connection_id,
    )
    sandbox = app.connectors.clients.sandbox(connection_id, tenant.org_id)
    return Linked(connection_id, rows[0]["id"], rows[0]["external_id"], sandbox)


async def submit(
    app: ConnectorsApp, tenant: Tenant, account_id: uuid.UUID, operations: list[dict[str, Any]], **body: Any
) -> dict[str, Any]:
    response = await app.client.post(
        f"{API}/accounts/{account_id}/write-jobs",
        headers=tenant.headers,
        json={"operations": operations, **body},
    )
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert response.headers["location"] == f"{API}/write-jobs/{job['id']}"
    return job


async def get_job(app: ConnectorsApp, tenant: Tenant, job_id: str) -> dict[str, Any]:
    response = await app.client.get(f"{API}/write-jobs/{job_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def finished(
    app: ConnectorsApp, tenant: Tenant, job_id: str, snapshots: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    seen: list[dict[str, Any]] = snapshots if snapshots is not None else []

    async def done() -> dict[str, Any] | None:
        job = await get_job(app, tenant, job_id)
        seen.append(job)
        return job if job["status"] in FINISHED else None

    try:
        result: dict[str, Any] = await eventually(done, timeout=120)
    except AssertionError:
        last = {k: v for k, v in seen[-1].items() if k != "items"} if seen else None
        raise AssertionError(f"write job {job_id} did not finish; last seen: {last}") from None
    return result


def ad(n: int, **fields: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "op": "create_ad",
        "name": f"Ad {n:03d}",
        "final_url": f"https://shop.example/trail/{n}",
        "headlines": HEADLINES,
        "descriptions": DESCRIPTIONS,
        "path1": "trail",
    }
    op.update(fields)
    if "ad_group_id" not in op:
        op.setdefault("ad_group_ref", 1)
    return op


def campaign_and_group(name: str = "Spring Launch") -> list[dict[str, Any]]:
    return [
        {"op": "create_campaign", "name": name, "daily_budget_micros": 50_000_000, "objective": "SALES"},
        {"op": "create_ad_group", "name": "Trail Shoes", "campaign_ref": 0},
    ]


def is_write_audit(action: str) -> bool:
    return action.startswith(("ads.", "connector.write_job_"))


async def audit_events(nats_client: NatsClient, org_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every ``audit.v1.requested`` of the writes of the org stored in the AUTH stream so far (linking the
    sandbox is audited too: those entries are not counted here)."""
    js = nats_client.jetstream()
    info = await js.stream_info("AUTH")
    events: list[dict[str, Any]] = []
    if info.state.messages == 0:
        return events
    sub = await js.subscribe("audit.v1.requested", ordered_consumer=True)
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except nats.errors.TimeoutError:
                break
            envelope = json.loads(msg.data)
            if envelope["org_id"] == str(org_id) and is_write_audit(envelope["data"]["action"]):
                events.append(envelope)
            if msg.metadata.sequence.stream >= info.state.last_seq:
                break
    finally:
        await sub.unsubscribe()
    return events


async def stream_events(nats_client: NatsClient, subject: str) -> list[dict[str, Any]]:
    """The payloads of every message of ``subject`` in the CONNECTORS stream so far."""
    js = nats_client.jetstream()
    last = (await js.stream_info("CONNECTORS")).state.last_seq
    sub = await js.subscribe(subject, ordered_consumer=True)
    payloads: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except nats.errors.TimeoutError:
                break
            payloads.append(json.loads(msg.data)["data"])
            if msg.metadata.sequence.stream >= last:
                break
    finally:
        await sub.unsubscribe()
    return payloads


async def audit_count(nats_client: NatsClient, org_id: uuid.UUID, expected: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        events = await audit_events(nats_client, org_id)
        return events if len(events) >= expected else None

    events: list[dict[str, Any]] = await eventually(enough)
    return events


def calls(sandbox: SandboxPlatform, method: str) -> int:
    return sum(1 for m, _ in sandbox.calls if m == method)


async def ads_of_group(sandbox: SandboxPlatform, account: str, group_id: str) -> list[str]:
    return [a.name for a in await sandbox.list_ads(account) if a.ad_group_id == group_id]
