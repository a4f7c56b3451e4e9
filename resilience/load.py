"""Load that exercises each service, and the count of its effects afterwards.

A probe produces one unit of work at a time and remembers the ones that were *acknowledged* (a JetStream PubAck
for events published as a producer's relay would, a 2xx for API calls). Afterwards it looks the effects up where
they land (PostgreSQL rows, the SMTP server) and returns how often each acknowledged unit took effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from adpilot_common.events.contracts.audit import AuditRequested
from adpilot_common.events.contracts.metrics import MetricRow, MetricsFetched
from adpilot_common.events.contracts.user import PasswordResetRequested
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.outbox import build_event
from resilience.figures import Figures, Report
from resilience.harness import ChaosStack
from resilience.receivers import SmtpRecorder

PASSWORD = "quartz-meadow-lantern-57"  # noqa: S105 (a throwaway account on a throwaway stack)
BRIEF: dict[str, Any] = {
    "offer": "First box 20% off",
    "audience": "home espresso fans",
    "tone": "friendly",
    "platforms": ["google"],
    "variants": 1,
    "final_url": "https://roastery.example/club",
}


@dataclass
class Probe:
    name: str
    acked: set[str] = field(default_factory=set)
    attempts: int = 0
    refused: int = 0  # attempts that were not acknowledged (expected while a service is down)

    async def once(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Release what the probe holds (HTTP clients)."""

    async def effects(self) -> Counter[str]:
        """Acknowledged id -> how many effects were found for it."""
        raise NotImplementedError

    async def settled(self) -> bool:
        """Whether every acknowledged unit has its effect (used to wait for the tail of the work)."""
        found = await self.effects()
        return all(found[k] >= 1 for k in self.acked)


class EventProbe(Probe):
    """Publishes events straight into JetStream with ``Nats-Msg-Id`` = event id, retrying one event until the
    server acknowledges it (as the outbox relay does); only acknowledged events count."""

    def __init__(self, name: str, stack: ChaosStack) -> None:
        super().__init__(name)
        self.stack = stack

    def build(self) -> tuple[str, EventEnvelope]:
        raise NotImplementedError

    async def once(self) -> None:
        key, event = self.build()
        self.attempts += 1
        js = await self.stack.js()
        for _ in range(40):
            try:
                await js.publish(
                    event.type, event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)}, timeout=2
                )
            except Exception:
                self.refused += 1
                await asyncio.sleep(0.25)
                continue
            self.acked.add(key)
            return


class MetricsProbe(EventProbe):
    """``metrics.v1.fetched`` batches (as connectors publishes them) → one fact row each in metrics."""

    def __init__(self, stack: ChaosStack, org_id: uuid.UUID | None = None) -> None:
        super().__init__("metrics facts", stack)
        self.org_id = org_id or uuid.uuid4()
        self.account_id = uuid.uuid4()
        self.day = datetime.now(UTC).date()

    def build(self) -> tuple[str, EventEnvelope]:
        n = self.attempts + 1
        campaign = f"c-{uuid.uuid4().hex}"
        row = MetricRow(
            campaign_id=campaign,
            day=self.day,
            impressions=1000 * n,
            clicks=10 * n,
            spend_micros=1_000_000 * n,
            conversions=Decimal(n) / 2,
            conversion_value_micros=5_000_000 * n,
        )
        batch = MetricsFetched(
            sync_run_id=uuid.uuid4(),
            account_id=self.account_id,
            platform="sandbox",
            external_account_id="chaos-1",
            currency="EUR",
            time_zone="UTC",
            rows=[row],
        )
        return campaign, build_event("metrics.v1.fetched", batch, source="connectors", org_id=self.org_id)

    async def effects(self) -> Counter[str]:
        rows = await self.stack.rows(
            "metrics",
            "SELECT campaign_id, count(*) AS n FROM metric_facts WHERE org_id = :org GROUP BY campaign_id",
            org=self.org_id,
        )
        return Counter({r["campaign_id"]: int(r["n"]) for r in rows})

    async def rollup_mismatches(self) -> int:
        """Campaign-day rollups that differ from a recompute over the facts: the incrementally maintained
        rollups must agree with the facts whatever was redelivered."""
        return int(
            await self.stack.scalar(
                "metrics",
                "SELECT count(*) FROM (SELECT campaign_id, day, sum(impressions) AS i, sum(clicks) AS c "
                "FROM metric_facts WHERE org_id = :org GROUP BY campaign_id, day) f "
                "FULL JOIN (SELECT campaign_id, day, impressions AS i, clicks AS c FROM daily_campaign_rollups "
                "WHERE org_id = :org) r USING (campaign_id, day) "
                "WHERE f.i IS DISTINCT FROM r.i OR f.c IS DISTINCT FROM r.c",
                org=self.org_id,
            )
        )


class AuditProbe(EventProbe):
    """``audit.v1.requested`` (any service may publish it) → one audit_log row each in auth."""

    def __init__(self, stack: ChaosStack) -> None:
        super().__init__("auth audit", stack)
        self.org_id = uuid.uuid4()
        self.action = f"chaos.{uuid.uuid4().hex[:8]}"

    def build(self) -> tuple[str, EventEnvelope]:
        key = uuid.uuid4().hex
        data = AuditRequested(action=self.action, resource_type="chaos", resource_id=key)
        return key, build_event("audit.v1.requested", data, source="chaos", org_id=self.org_id)

    async def effects(self) -> Counter[str]:
        rows = await self.stack.rows(
            "auth",
            "SELECT resource_id, count(*) AS n FROM audit_log WHERE action = :a GROUP BY resource_id",
            a=self.action,
        )
        return Counter({r["resource_id"]: int(r["n"]) for r in rows})


class EmailProbe(EventProbe):
    """``user.v1.password_reset_requested`` (as auth publishes it) → one email each at the SMTP server."""

    def __init__(self, stack: ChaosStack, smtp: SmtpRecorder) -> None:
        super().__init__("notify email", stack)
        self.smtp = smtp
        self.resent = 0  # same Message-ID received again (a resend of one delivery; receivers can drop it)

    def build(self) -> tuple[str, EventEnvelope]:
        address = f"chaos-{uuid.uuid4().hex}@example.com"
        data = PasswordResetRequested(
            user_id=uuid.uuid4(),
            email=address,
            token=uuid.uuid4().hex,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        return address, build_event("user.v1.password_reset_requested", data, source="auth")

    async def effects(self) -> Counter[str]:
        messages, distinct = self.smtp.deliveries(self.acked)
        self.resent = sum(messages.values()) - sum(distinct.values())
        return distinct


class Tenant:
    """A real user with an org, signed up and in through the gateway (as the SPA does)."""

    def __init__(self, gateway_url: str) -> None:
        self.gateway_url = gateway_url
        self.email = f"chaos-{uuid.uuid4().hex[:12]}@example.com"
        self.token = ""
        self.org_id = ""
        self.account_ids: list[str] = []

    def client(self, timeout_s: float = 5.0) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.gateway_url, timeout=timeout_s)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def sign_up(self) -> None:
        async with self.client(timeout_s=30) as c:
            r = await c.post("/api/auth/register", json={"email": self.email, "password": PASSWORD})
            assert r.status_code == 202, r.text
            await self.sign_in(c)
            r = await c.post("/api/auth/orgs", json={"name": "Chaos Ltd"}, headers=self.headers)
            assert r.status_code == 201, r.text
            self.org_id = r.json()["id"]
            await self.sign_in(c)

    async def sign_in(self, c: httpx.AsyncClient) -> None:
        r = await c.post("/api/auth/login", json={"email": self.email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.token = r.json()["access_token"]
        if self.org_id:
            r = await c.post(f"/api/auth/orgs/{self.org_id}/switch", headers=self.headers)
            assert r.status_code == 200, r.text
            self.token = r.json()["access_token"]

    async def link_sandbox(self) -> None:
        async with self.client(timeout_s=60) as c:
            r = await c.post("/api/connectors/connections/sandbox", headers=self.headers)
            assert r.status_code == 201, r.text
            r = await c.get("/api/connectors/accounts", headers=self.headers)
            assert r.status_code == 200, r.text
            body = r.json()
            items = body["items"] if isinstance(body, dict) else body
            self.account_ids = [a["id"] for a in items]
            assert self.account_ids, body


class ApiProbe(Probe):
    """One API call through the gateway per unit; a 2xx answer is an acknowledgement."""

    def __init__(self, name: str, stack: ChaosStack, tenant: Tenant) -> None:
        super().__init__(name)
        self.stack = stack
        self.tenant = tenant
        self._client: httpx.AsyncClient | None = None
        self.statuses: Counter[str] = Counter()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.tenant.client()
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def call(self) -> str | None:
        raise NotImplementedError

    async def once(self) -> None:
        self.attempts += 1
        try:
            key = await self.call()
        except httpx.TimeoutException:  # no answer within the client's 5 s: a hang
            key = None
            self.statuses["timeout"] += 1
        except httpx.HTTPError:  # nothing listening (the gateway itself is down)
            key = None
            self.statuses["no connection"] += 1
        if key is None:
            self.refused += 1
        else:
            self.acked.add(key)


class LoginProbe(ApiProbe):
    """Password logins → one login_sessions row each in auth."""

    def __init__(self, stack: ChaosStack, tenant: Tenant) -> None:
        super().__init__("auth logins", stack, tenant)

    async def call(self) -> str | None:
        r = await self.client.post("/api/auth/login", json={"email": self.tenant.email, "password": PASSWORD})
        self.statuses[str(r.status_code)] += 1
        return str(r.json()["session_id"]) if r.status_code == 200 else None

    async def effects(self) -> Counter[str]:
        rows = await self.stack.rows(
            "auth",
            "SELECT id::text AS id FROM login_sessions WHERE id = ANY(CAST(:ids AS uuid[]))",
            ids=list(self.acked),
        )
        return Counter(r["id"] for r in rows)


class CopyProbe(ApiProbe):
    """Copy generations (offline provider) → a generation row and exactly one ``copy.v1.generated`` each."""

    def __init__(self, stack: ChaosStack, tenant: Tenant) -> None:
        super().__init__("ai-copy generations", stack, tenant)

    async def call(self) -> str | None:
        body = {**BRIEF, "product": f"Chaos blend {uuid.uuid4().hex[:10]}"}  # distinct: no cache hits
        r = await self.client.post("/api/ai-copy/generations", json=body, headers=self.tenant.headers)
        self.statuses[str(r.status_code)] += 1
        return str(r.json()["id"]) if r.status_code in (200, 201, 202) else None

    async def effects(self) -> Counter[str]:
        rows = await self.stack.rows(
            "ai-copy",
            "SELECT g.id::text AS id, count(o.id) AS n FROM generations g "
            "LEFT JOIN outbox_messages o ON o.subject = 'copy.v1.generated' "
            "AND convert_from(o.payload, 'UTF8')::jsonb -> 'data' ->> 'generation_id' = g.id::text "
            "WHERE g.id = ANY(CAST(:ids AS uuid[])) GROUP BY g.id",
            ids=list(self.acked),
        )
        return Counter({r["id"]: int(r["n"]) for r in rows})


class SyncProbe(ApiProbe):
    """ "Sync now" on the sandbox accounts → each accepted run finishes (its facts reach metrics: checked by the
    outbox→inbox check)."""

    def __init__(self, stack: ChaosStack, tenant: Tenant) -> None:
        super().__init__("connectors syncs", stack, tenant)
        self._next = 0

    async def call(self) -> str | None:
        account = self.tenant.account_ids[self._next % len(self.tenant.account_ids)]
        self._next += 1
        r = await self.client.post(f"/api/connectors/accounts/{account}/sync", headers=self.tenant.headers)
        self.statuses[str(r.status_code)] += 1
        return str(r.json()["id"]) if r.status_code == 202 else None

    async def effects(self) -> Counter[str]:
        rows = await self.stack.rows(
            "connectors",
            "SELECT id::text AS id FROM sync_runs WHERE id = ANY(CAST(:ids AS uuid[])) "
            "AND status IN ('succeeded', 'partially_failed')",
            ids=list(self.acked),
        )
        return Counter(r["id"] for r in rows)


# -------------------------------------------------------------------------------------------------- driving


@dataclass
class Rate:
    probe: Probe
    per_s: float


@contextlib.asynccontextmanager
async def running(rates: Sequence[Rate]) -> AsyncIterator[None]:
    """Run every probe at its rate (one unit in flight per probe) until the block ends."""
    stop = asyncio.Event()

    async def drive(rate: Rate) -> None:
        interval = 1.0 / rate.per_s
        while not stop.is_set():
            started = time.monotonic()
            await rate.probe.once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, interval - (time.monotonic() - started)))

    tasks = [asyncio.create_task(drive(r), name=f"load-{r.probe.name}") for r in rates]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def wait_settled(probes: Sequence[Probe], timeout_s: float) -> float:
    """Seconds until every probe's acknowledged work has its effect (bounded by ``timeout_s``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if all([await p.settled() for p in probes]):
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started


@dataclass
class Tally:
    sent: int
    processed: int
    lost: int
    duplicated: int
    lost_ids: list[str]


async def tally(probe: Probe) -> Tally:
    found = await probe.effects()
    lost = sorted(k for k in probe.acked if found[k] == 0)
    duplicated = sum(max(0, found[k] - 1) for k in probe.acked)
    return Tally(len(probe.acked), len(probe.acked) - len(lost), len(lost), duplicated, lost[:5])


async def report_probes(report: Report, label: str, probes: Sequence[Probe], totals: Figures) -> None:
    """One figures line per probe (``<label>: <probe>``), each also added into ``totals``."""
    for probe in probes:
        t = await tally(probe)
        details = {**describe(probe), "lost_ids": t.lost_ids} if t.lost_ids else describe(probe)
        report.add(
            Figures(f"{label}: {probe.name}", t.sent, t.processed, t.lost, t.duplicated, details=details)
        )
        totals.sent += t.sent
        totals.processed += t.processed
        totals.lost += t.lost
        totals.duplicated += t.duplicated


def describe(probe: Probe) -> dict[str, Any]:
    refused = "publish_retries" if isinstance(probe, EventProbe) else "not_acknowledged"
    info: dict[str, Any] = {"attempts": probe.attempts, refused: probe.refused}
    if isinstance(probe, ApiProbe):
        info["statuses"] = json.dumps(dict(sorted(probe.statuses.items())))
    if isinstance(probe, EmailProbe):
        info["smtp_resends_same_message_id"] = probe.resent
    return info
