"""The metrics service under test: real PostgreSQL (migrated) and a real nats-server; events go in through
JetStream exactly as connectors would publish them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adpilot_common.events.contracts.campaign import CampaignCreated, CampaignStatusChanged, CampaignUpdated
from adpilot_common.events.contracts.metrics import MetricRow, MetricsFetched
from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.consumer import durable_name
from adpilot_common.messaging.outbox import build_event
from adpilot_common.scheduling import TICK_SUBJECT, tick_id
from adpilot_common.testing.jetstream import consumer_caught_up, start_up_ticks_handled
from adpilot_common.testing.plugin import running
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_common.testing.waiting import eventually
from adpilot_metrics.config import Settings
from adpilot_metrics.main import create_app
from adpilot_metrics.schedule import SCHEDULED_JOBS

FETCHED = "metrics.v1.fetched"
CONSUMER = "metrics--metrics-v1-fetched"
SUMS = ("impressions", "clicks", "spend_micros", "conversions", "conversion_value_micros")


def row(campaign: str, day: date, n: int, *, ad_group: str | None = None, ad: str | None = None) -> MetricRow:
    """A metric row whose values all derive from ``n`` (easy to sum by hand)."""
    return MetricRow(
        campaign_id=campaign,
        ad_group_id=ad_group,
        ad_id=ad,
        day=day,
        impressions=1000 * n,
        clicks=10 * n,
        spend_micros=1_000_000 * n,
        conversions=Decimal(n) / 2,
        conversion_value_micros=5_000_000 * n,
    )


def fetched(
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    rows: list[MetricRow],
    *,
    provisional_from: date | None = None,
    currency: str = "EUR",
) -> EventEnvelope:
    batch = MetricsFetched(
        sync_run_id=uuid.uuid4(),
        account_id=account_id,
        platform="sandbox",
        external_account_id="123-456-7890",
        currency=currency,
        time_zone="Europe/Berlin",
        provisional_from=provisional_from,
        rows=rows,
    )
    return build_event(FETCHED, batch, source="connectors", org_id=org_id)


ACCOUNT_NAME = "Acme — EU"


def campaign_event(
    subject: str,
    external_id: str,
    name: str,
    *,
    org: uuid.UUID,
    account: uuid.UUID,
    occurred_at: datetime | None = None,
    status: str = "PAUSED",
    account_name: str | None = ACCOUNT_NAME,
) -> EventEnvelope:
    fields: dict[str, Any] = {
        "campaign_id": uuid.uuid5(account, external_id),
        "account_id": account,
        "platform": "sandbox",
        "external_account_id": "123-456-7890",
        "account_name": account_name,
        "external_id": external_id,
        "name": name,
        "status": "ENABLED",
        "daily_budget_micros": 50_000_000,
        "currency": "EUR",
    }
    data: CampaignCreated | CampaignUpdated | CampaignStatusChanged
    if subject.endswith("created"):
        data = CampaignCreated(**fields)
    elif subject.endswith("updated"):
        data = CampaignUpdated(**fields, changed=["name"])
    else:
        data = CampaignStatusChanged(**{**fields, "status": status}, previous_status="ENABLED")
    envelope = build_event(subject, data, source="connectors", org_id=org)
    return envelope if occurred_at is None else envelope.model_copy(update={"occurred_at": occurred_at})


async def publish_campaign_events(svc: MetricsService, *envelopes: EventEnvelope) -> None:
    """Publish in order and wait until each subject's consumer has acked everything."""
    last: dict[str, int] = {}
    for envelope in envelopes:
        ack = await svc.js.publish(
            envelope.type, envelope.to_bytes(), headers={"Nats-Msg-Id": str(envelope.id)}
        )
        last[envelope.type] = ack.seq
        # Consumers of different subjects run concurrently: wait so the order under test is the order applied.
        await settled_subject(svc, envelope.type, ack.seq)


async def settled_subject(svc: MetricsService, subject: str, seq: int) -> None:
    await eventually(lambda: consumer_caught_up(svc.js, "CONNECTORS", durable_name("metrics", subject), seq))


@dataclass
class MetricsService:
    engine: AsyncEngine
    js: JetStreamContext
    app: Any
    issuer: TestTokenIssuer
    last_seq: int = 0

    def client(self) -> httpx.AsyncClient:
        """An HTTP client of the running app (use ``issuer.headers(org_id=..., role=...)`` for a caller)."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(self.app), base_url="http://metrics")

    async def publish(self, envelope: EventEnvelope | bytes, *, msg_id: str | None = None) -> int:
        data = envelope if isinstance(envelope, bytes) else envelope.to_bytes()
        if msg_id is None:
            msg_id = str(envelope.id) if isinstance(envelope, EventEnvelope) else str(uuid.uuid4())
        ack = await self.js.publish(FETCHED, data, headers={"Nats-Msg-Id": msg_id})
        assert not ack.duplicate
        self.last_seq = ack.seq
        return ack.seq

    async def settled(self) -> None:
        """Wait until the consumer has acked (or dead-lettered) everything published so far."""

        async def caught_up() -> bool:
            try:
                info = await self.js.consumer_info("CONNECTORS", CONSUMER)
            except Exception:
                return False
            return (
                info.num_ack_pending == 0
                and info.num_pending == 0
                and info.ack_floor.stream_seq is not None
                and info.ack_floor.stream_seq >= self.last_seq
            )

        await eventually(caught_up)

    async def relayed(self) -> None:
        """Everything staged in the outbox so far is on JetStream."""

        async def empty() -> bool:
            return await self.scalar("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL") == 0

        await eventually(empty)

    async def published(self, subject: str) -> list[EventEnvelope]:
        """Every event of ``subject`` on the METRICS stream, oldest first (after the outbox has drained)."""
        await self.relayed()
        found: list[EventEnvelope] = []
        seq = 1
        while True:
            try:
                msg = await self.js.get_msg("METRICS", seq=seq, subject=subject, next=True)
            except NotFoundError:
                return found
            found.append(EventEnvelope.from_bytes(msg.data))
            assert msg.seq is not None
            seq = msg.seq + 1

    async def tick(self, job: str, slot: datetime) -> None:
        """Publish ``job``'s schedule tick for ``slot`` (as the ticker would) and wait until it is handled."""
        event = build_event(
            TICK_SUBJECT,
            ScheduleTick(job=job, slot_start=slot, interval_s=3600),
            source="test",
            event_id=tick_id(job, slot),
        )
        ack = await self.js.publish(
            TICK_SUBJECT,
            event.to_bytes(),
            headers={"Nats-Msg-Id": f"{job}:{slot.isoformat()}:{uuid.uuid4()}"},
        )

        consumer = durable_name("metrics", TICK_SUBJECT)
        await eventually(lambda: consumer_caught_up(self.js, "SCHEDULE", consumer, ack.seq))

    async def start_ticks_handled(self) -> None:
        """Wait until the service's own start-up ticks (its ticker's, for the current slots) were handled."""
        jobs = [job.name for job in SCHEDULED_JOBS]
        await eventually(
            lambda: start_up_ticks_handled(self.js, "metrics", jobs), what="the start-up ticks to be handled"
        )

    async def rows(self, sql: str, **params: object) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]

    async def execute(self, sql: str, **params: object) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text(sql), params)

    async def scalar(self, sql: str, **params: object) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def assert_rollups_match_facts(self) -> None:
        """Incrementally maintained rollups must equal a full recompute from the current facts."""
        sums = ", ".join(f"sum({c}) AS {c}" for c in SUMS)
        cols = ", ".join(SUMS)
        by_campaign = await self.rows(
            f"SELECT org_id, account_id, campaign_id, day, {sums} FROM metric_facts "  # noqa: S608
            "GROUP BY org_id, account_id, campaign_id, day ORDER BY 1, 2, 3, 4"
        )
        assert by_campaign == await self.rows(
            f"SELECT org_id, account_id, campaign_id, day, {cols} FROM daily_campaign_rollups "  # noqa: S608
            "ORDER BY 1, 2, 3, 4"
        )
        by_account = await self.rows(
            f"SELECT org_id, account_id, day, {sums} FROM metric_facts "  # noqa: S608
            "GROUP BY org_id, account_id, day ORDER BY 1, 2, 3"
        )
        assert by_account == await self.rows(
            f"SELECT org_id, account_id, day, {cols} FROM daily_account_rollups ORDER BY 1, 2, 3"  # noqa: S608
        )


@pytest.fixture
def metrics_settings(
    new_database: Callable[..., str], service_env: Callable[..., dict[str, Any]]
) -> Settings:
    return Settings(**service_env(new_database("metrics")))


@pytest.fixture
async def metrics_service(metrics_settings: Settings, js: JetStreamContext) -> AsyncIterator[MetricsService]:
    engine = create_async_engine(metrics_settings.database_url)
    issuer = TestTokenIssuer()
    app = create_app(metrics_settings, jwks=issuer.jwks_cache())
    try:
        async with running(app):
            yield MetricsService(engine, js, app, issuer)
    finally:
        await engine.dispose()
