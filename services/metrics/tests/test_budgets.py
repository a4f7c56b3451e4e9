"""Budgets, pacing and alert rules: crossings fire exactly once per rule and period, after ingestion (metrics
arriving on JetStream) and on the hourly schedule tick; the API is org-scoped and rejects bad input."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.metrics import MetricRow
from adpilot_common.testing.waiting import eventually
from adpilot_metrics.budgets.evaluation import evaluate_all, evaluate_for_accounts
from adpilot_metrics.schedule import ALERTS_JOB

from .conftest import MetricsService, campaign_event, fetched, publish_campaign_events, row

ORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
OTHER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
CROSSED = "budget.v1.threshold_crossed"
TRIGGERED = "alert.v1.triggered"
TICK_CONSUMER = "metrics--schedule-v1-tick"


@pytest.fixture(autouse=True)
async def known_account(metrics_service: MetricsService) -> None:
    """Budgets and rules name accounts and campaigns the org knows: ACCOUNT (EUR) with campaigns c1 and c2,
    mirrored from connectors' campaign events as in production."""
    await publish_campaign_events(
        metrics_service,
        *(campaign_event("campaign.v1.created", c, c, org=ORG, account=ACCOUNT) for c in ("c1", "c2")),
    )


def member(service: MetricsService, org: uuid.UUID = ORG) -> dict[str, str]:
    return service.issuer.headers(org_id=str(org), role="member")


def today() -> date:
    # Ingestion evaluates at the real clock; periods are UTC days.
    return datetime.now(UTC).date()


def metric(campaign: str, day: date, *, impressions: int, clicks: int, spend: int = 0) -> MetricRow:
    return MetricRow(
        campaign_id=campaign,
        day=day,
        impressions=impressions,
        clicks=clicks,
        spend_micros=spend,
        conversions=Decimal(0),
        conversion_value_micros=0,
    )


async def ingest(service: MetricsService, rows: list[MetricRow], org: uuid.UUID = ORG) -> None:
    await service.publish(fetched(org, ACCOUNT, rows))
    await service.settled()


async def create(service: MetricsService, path: str, body: dict[str, Any], org: uuid.UUID = ORG) -> Any:
    async with service.client() as client:
        response = await client.post(f"/api/metrics/{path}", json=body, headers=member(service, org))
    assert response.status_code == 201, response.text
    return response.json()


async def budget_with_rule(
    service: MetricsService, *, period: str, amount: int, pct: int, campaign: str | None = None
) -> tuple[str, str]:
    budget = await create(
        service,
        "budgets",
        {
            "account_id": str(ACCOUNT),
            "campaign_id": campaign,
            "period": period,
            "amount_micros": amount,
            "currency": "eur",
        },
    )
    rule = await create(
        service, "alert-rules", {"kind": "spend_over_budget_pct", "budget_id": budget["id"], "threshold": pct}
    )
    return budget["id"], rule["id"]


async def test_budget_threshold_fires_once_per_period(metrics_service: MetricsService) -> None:
    day = today()
    budget_id, rule_id = await budget_with_rule(metrics_service, period="daily", amount=10_000_000, pct=80)

    await ingest(metrics_service, [row("c1", day, 3)])  # 3 of 10 EUR: 30%
    assert await metrics_service.published(CROSSED) == []

    await ingest(metrics_service, [row("c1", day, 9)])  # restated day: 9 of 10 EUR
    events = await metrics_service.published(CROSSED)
    assert len(events) == 1
    data = events[0].data
    assert events[0].org_id == ORG
    assert data["budget_id"] == budget_id and data["rule_id"] == rule_id
    assert (data["period"], data["period_key"], data["currency"]) == ("daily", day.isoformat(), "EUR")
    assert (data["spend_micros"], data["budget_micros"], Decimal(data["threshold_pct"])) == (
        9_000_000,
        10_000_000,
        80,
    )
    assert 0 <= data["expected_spend_micros"] <= 10_000_000

    # Restating again, more campaigns, the same batch again later: still over budget, still one event.
    await ingest(metrics_service, [row("c1", day, 12), row("c2", day, 1)])
    await ingest(metrics_service, [row("c1", day, 12)])
    assert len(await metrics_service.published(CROSSED)) == 1

    # The next day is a new period: it fires again (evaluated as the hourly job would, at tomorrow's noon).
    tomorrow = day + timedelta(days=1)
    await ingest(metrics_service, [row("c1", tomorrow, 8)])
    async with AsyncSession(metrics_service.engine) as session, session.begin():
        assert (
            await evaluate_for_accounts(
                session,
                ORG,
                [ACCOUNT],
                datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=12),
            )
            == 1
        )
    async with AsyncSession(metrics_service.engine) as session, session.begin():
        assert (
            await evaluate_for_accounts(
                session,
                ORG,
                [ACCOUNT],
                datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=13),
            )
            == 0
        )
    events = await metrics_service.published(CROSSED)
    assert [e.data["period_key"] for e in events] == [day.isoformat(), tomorrow.isoformat()]
    assert events[1].data["spend_micros"] == 8_000_000
    assert events[1].data["expected_spend_micros"] == 5_000_000  # half of the day gone at noon

    async with metrics_service.client() as client:
        alerts = (await client.get("/api/metrics/alerts", headers=member(metrics_service))).json()["items"]
    assert [(a["rule_id"], a["period_key"]) for a in alerts] == [
        (rule_id, tomorrow.isoformat()),
        (rule_id, day.isoformat()),
    ]
    assert alerts[1]["values"]["spend_micros"] == 9_000_000


async def test_campaign_budget_counts_only_its_campaign(metrics_service: MetricsService) -> None:
    day = today()
    await budget_with_rule(metrics_service, period="monthly", amount=10_000_000, pct=100, campaign="c1")
    await ingest(
        metrics_service, [row("c1", day, 6), row("c2", day, 20)]
    )  # the account is far over, c1 is not
    assert await metrics_service.published(CROSSED) == []
    await ingest(metrics_service, [row("c1", day, 10)])  # exactly 100%
    events = await metrics_service.published(CROSSED)
    assert [(e.data["campaign_id"], e.data["period_key"]) for e in events] == [("c1", day.strftime("%Y-%m"))]


async def test_cpa_rule(metrics_service: MetricsService) -> None:
    day = today()
    # row(n): spend n EUR for n/2 conversions, so CPA is 2 EUR.
    low = await create(
        metrics_service,
        "alert-rules",
        {"kind": "cpa_above", "account_id": str(ACCOUNT), "threshold": "1500000"},
    )
    await create(
        metrics_service,
        "alert-rules",
        {"kind": "cpa_above", "account_id": str(ACCOUNT), "threshold": "2500000"},
    )
    assert low["period"] == "monthly"
    await ingest(metrics_service, [row("c1", day, 4), row("c2", day, 2)])
    await ingest(metrics_service, [row("c1", day, 5)])
    events = await metrics_service.published(TRIGGERED)
    assert len(events) == 1
    data = events[0].data
    assert (data["rule_id"], data["kind"], data["period_key"]) == (
        low["id"],
        "cpa_above",
        day.strftime("%Y-%m"),
    )
    assert Decimal(data["observed"]) == 2_000_000 and Decimal(data["threshold"]) == 1_500_000
    assert "CPA of the account is 2.00 EUR" in data["message"]


async def test_cpa_without_conversions_does_not_fire(metrics_service: MetricsService) -> None:
    await create(
        metrics_service, "alert-rules", {"kind": "cpa_above", "account_id": str(ACCOUNT), "threshold": "1"}
    )
    await ingest(metrics_service, [metric("c1", today(), impressions=100, clicks=5, spend=9_000_000)])
    assert await metrics_service.published(TRIGGERED) == []
    assert await metrics_service.scalar("SELECT count(*) FROM alert_firings") == 0


async def test_ctr_drop_rule(metrics_service: MetricsService) -> None:
    yesterday = today() - timedelta(days=1)
    fires = await create(
        metrics_service,
        "alert-rules",
        {"kind": "ctr_drop_pct", "account_id": str(ACCOUNT), "campaign_id": "c1", "threshold": 30},
    )
    await create(
        metrics_service,
        "alert-rules",
        {"kind": "ctr_drop_pct", "account_id": str(ACCOUNT), "campaign_id": "c1", "threshold": 60},
    )
    # Trailing 7 days: 140 clicks on 7,000 impressions (2%) as a ratio of sums, although the daily CTRs
    # differ; an 8th day back and another campaign are outside the comparison.
    trailing = [
        metric("c1", yesterday - timedelta(days=i), impressions=500 if i % 2 else 1500, clicks=20)
        for i in range(1, 8)
    ]
    trailing[0] = metric("c1", yesterday - timedelta(days=1), impressions=1000, clicks=20)
    trailing.append(metric("c1", yesterday - timedelta(days=8), impressions=1000, clicks=900))
    await ingest(metrics_service, [*trailing, metric("c2", yesterday, impressions=1000, clicks=1)])
    assert await metrics_service.published(TRIGGERED) == []  # no data for the last full day yet

    await ingest(metrics_service, [metric("c1", yesterday, impressions=1000, clicks=10)])  # 1%: a 50% drop
    await ingest(
        metrics_service, [metric("c1", yesterday, impressions=1000, clicks=9)]
    )  # restated: no refire
    events = await metrics_service.published(TRIGGERED)
    assert len(events) == 1
    data = events[0].data
    assert (data["rule_id"], data["kind"], data["campaign_id"]) == (fires["id"], "ctr_drop_pct", "c1")
    assert (data["period_key"], Decimal(data["observed"])) == (yesterday.isoformat(), Decimal("50.00"))


async def test_hourly_tick_evaluates_every_rule_once(metrics_service: MetricsService) -> None:
    day = date(2026, 10, 10)  # far from the real clock: only the ticks below judge it
    await ingest(metrics_service, [row("c1", day, 9), row("c1", day + timedelta(days=1), 9)])
    _, rule_id = await budget_with_rule(metrics_service, period="daily", amount=10_000_000, pct=50)

    async def tick(slot: datetime) -> None:
        await metrics_service.tick(ALERTS_JOB, slot)

    ten = datetime(2026, 10, 10, 10, tzinfo=UTC)
    await tick(ten)
    await tick(ten + timedelta(hours=1))  # same day: nothing new
    events = await metrics_service.published(CROSSED)
    assert [(e.data["rule_id"], e.data["period_key"]) for e in events] == [(rule_id, "2026-10-10")]
    assert events[0].data["expected_spend_micros"] == round(10_000_000 * 10 / 24)

    # Called directly (two replicas' jobs, or the job and ingestion): the unique key keeps one firing.
    next_day = ten + timedelta(days=1)
    async with AsyncSession(metrics_service.engine) as session, session.begin():
        assert await evaluate_all(session, next_day) == 1
        assert await evaluate_all(session, next_day) == 0
    await tick(next_day)
    events = await metrics_service.published(CROSSED)
    assert [e.data["period_key"] for e in events] == ["2026-10-10", "2026-10-11"]
    assert await metrics_service.scalar("SELECT count(*) FROM alert_firings") == 2


async def test_disabled_rule_does_not_fire(metrics_service: MetricsService) -> None:
    _, rule_id = await budget_with_rule(metrics_service, period="daily", amount=1_000_000, pct=50)
    async with metrics_service.client() as client:
        response = await client.patch(
            f"/api/metrics/alert-rules/{rule_id}", json={"enabled": False}, headers=member(metrics_service)
        )
    assert response.status_code == 200 and response.json()["enabled"] is False
    await ingest(metrics_service, [row("c1", today(), 5)])
    assert await metrics_service.published(CROSSED) == []


async def test_pacing(metrics_service: MetricsService) -> None:
    now = datetime.now(UTC)
    budget = await create(
        metrics_service,
        "budgets",
        {"account_id": str(ACCOUNT), "period": "monthly", "amount_micros": 100_000_000, "currency": "EUR"},
    )
    month_start = now.date().replace(day=1)
    await ingest(metrics_service, [row("c1", month_start, 5), row("c2", now.date(), 20)])
    await ingest(metrics_service, [row("c1", month_start, 5)], org=OTHER_ORG)  # another org's spend
    await ingest(metrics_service, [row("c1", month_start - timedelta(days=1), 50)])  # last month
    async with metrics_service.client() as client:
        response = await client.get(
            f"/api/metrics/budgets/{budget['id']}/pacing",
            headers=metrics_service.issuer.headers(org_id=str(ORG), role="viewer"),
        )
    assert response.status_code == 200, response.text
    pacing = response.json()
    assert (pacing["period"], pacing["period_key"], pacing["period_start"]) == (
        "monthly",
        now.strftime("%Y-%m"),
        month_start.isoformat(),
    )
    assert (pacing["spend_micros"], pacing["budget_micros"], Decimal(pacing["spent_pct"])) == (
        25_000_000,
        100_000_000,
        25,
    )
    elapsed = Decimal(pacing["elapsed_pct"]) / 100
    assert 0 < elapsed <= 1
    assert abs(pacing["expected_spend_micros"] - 100_000_000 * elapsed) <= 100_000_000 / 10_000
    assert pacing["projected_spend_micros"] >= 25_000_000


async def test_other_orgs_ids_are_not_found(metrics_service: MetricsService) -> None:
    budget_id, rule_id = await budget_with_rule(metrics_service, period="daily", amount=10_000_000, pct=80)
    await ingest(metrics_service, [row("c1", today(), 9)])
    await metrics_service.relayed()
    stranger = member(metrics_service, OTHER_ORG)
    async with metrics_service.client() as client:
        for method, path, body in [
            ("GET", f"budgets/{budget_id}", None),
            ("PATCH", f"budgets/{budget_id}", {"amount_micros": 1}),
            ("DELETE", f"budgets/{budget_id}", None),
            ("GET", f"budgets/{budget_id}/pacing", None),
            ("GET", f"alert-rules/{rule_id}", None),
            ("PATCH", f"alert-rules/{rule_id}", {"enabled": False}),
            ("DELETE", f"alert-rules/{rule_id}", None),
            (
                "POST",
                "alert-rules",
                {"kind": "spend_over_budget_pct", "budget_id": budget_id, "threshold": 5},
            ),
        ]:
            response = await client.request(method, f"/api/metrics/{path}", json=body, headers=stranger)
            assert response.status_code == 404, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        for path in ("budgets", "alert-rules", "alerts"):
            response = await client.get(f"/api/metrics/{path}", headers=stranger)
            assert response.status_code == 200 and response.json()["items"] == []
        own = member(metrics_service)
        assert len((await client.get("/api/metrics/alerts", headers=own)).json()["items"]) == 1
        assert (await client.get(f"/api/metrics/budgets/{budget_id}", headers=own)).status_code == 200


async def test_budgets_and_rules_name_only_the_orgs_accounts_and_campaigns(
    metrics_service: MetricsService,
) -> None:
    foreign_account, gbp_account = uuid.uuid4(), uuid.uuid4()
    await publish_campaign_events(
        metrics_service,
        campaign_event("campaign.v1.created", "x1", "x1", org=OTHER_ORG, account=foreign_account),
    )
    await metrics_service.publish(fetched(ORG, gbp_account, [row("g1", today(), 1)], currency="GBP"))
    await metrics_service.settled()
    good = {"account_id": str(ACCOUNT), "period": "monthly", "amount_micros": 1_000_000, "currency": "EUR"}
    own = member(metrics_service)
    async with metrics_service.client() as client:

        async def post(path: str, body: dict[str, Any]) -> Any:
            return await client.post(f"/api/metrics/{path}", json=body, headers=own)

        refused = [
            ("budgets", {**good, "account_id": str(foreign_account)}, 404, "Account not found"),
            ("budgets", {**good, "account_id": str(uuid.uuid4())}, 404, "Account not found"),
            ("budgets", {**good, "campaign_id": "doesnotexist"}, 404, "Campaign not found"),
            ("budgets", {**good, "campaign_id": "g1"}, 404, "Campaign not found"),  # another account's
            ("budgets", {**good, "currency": "JPY"}, 422, "Currency mismatch"),
            ("budgets", {**good, "account_id": str(gbp_account)}, 422, "Currency mismatch"),
            (
                "alert-rules",
                {"kind": "cpa_above", "account_id": str(foreign_account), "threshold": 5},
                404,
                "Account not found",
            ),
            (
                "alert-rules",
                {"kind": "ctr_drop_pct", "account_id": str(uuid.uuid4()), "threshold": 5},
                404,
                "Account not found",
            ),
            (
                "alert-rules",
                {"kind": "ctr_drop_pct", "account_id": str(ACCOUNT), "campaign_id": "nope", "threshold": 5},
                404,
                "Campaign not found",
            ),
        ]
        for path, body, status, title in refused:
            response = await post(path, body)
            assert response.status_code == status, (body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["title"] == title, body
        assert await metrics_service.scalar("SELECT count(*) FROM budgets") == 0
        assert await metrics_service.scalar("SELECT count(*) FROM alert_rules") == 0

        # The account's currency is the budget's, also when the body leaves it out.
        gbp = await post("budgets", {**good, "account_id": str(gbp_account), "currency": None})
        assert gbp.status_code == 201 and gbp.json()["currency"] == "GBP"
        campaign = await post("budgets", {**good, "campaign_id": "c2", "currency": "eur"})
        assert campaign.status_code == 201 and campaign.json()["currency"] == "EUR"
        rule = await post(
            "alert-rules", {"kind": "cpa_above", "account_id": str(gbp_account), "threshold": 5}
        )
        assert rule.status_code == 201, rule.text


async def test_ctr_drop_threshold_is_a_percentage_read_back_as_sent(metrics_service: MetricsService) -> None:
    own = member(metrics_service)
    ctr = {"kind": "ctr_drop_pct", "account_id": str(ACCOUNT)}
    async with metrics_service.client() as client:
        for threshold in (100.5, 101, 1000):
            response = await client.post(
                "/api/metrics/alert-rules", json={**ctr, "threshold": threshold}, headers=own
            )
            assert response.status_code == 422, threshold
            assert response.json()["title"] == "Invalid threshold"
        created = await client.post("/api/metrics/alert-rules", json={**ctr, "threshold": 80}, headers=own)
        assert created.status_code == 201, created.text
        rule = created.json()
        path = f"/api/metrics/alert-rules/{rule['id']}"
        too_far = await client.patch(path, json={"threshold": 150}, headers=own)
        assert too_far.status_code == 422
        assert (await client.get(path, headers=own)).json() == rule  # "80", as created (was "80.000000")
        assert rule["threshold"] == "80"
        changed = await client.patch(path, json={"threshold": "12.50"}, headers=own)
        assert changed.status_code == 200 and changed.json()["threshold"] == "12.5"
        assert (await client.get(path, headers=own)).json()["threshold"] == "12.5"
        listed = (await client.get("/api/metrics/alert-rules", headers=own)).json()["items"]
        assert [r["threshold"] for r in listed] == ["12.5"]


async def test_roles_and_bad_input(metrics_service: MetricsService) -> None:
    good = {"account_id": str(ACCOUNT), "period": "daily", "amount_micros": 1_000_000, "currency": "EUR"}
    viewer = metrics_service.issuer.headers(org_id=str(ORG), role="viewer")
    own = member(metrics_service)
    budget = await create(metrics_service, "budgets", good)
    async with metrics_service.client() as client:
        assert (await client.post("/api/metrics/budgets", json=good, headers=viewer)).status_code == 403
        assert (await client.get("/api/metrics/budgets", headers=viewer)).status_code == 200
        assert (await client.get("/api/metrics/budgets")).status_code == 401
        bad_budgets = [
            {**good, "amount_micros": -5},
            {**good, "amount_micros": 0},
            {**good, "period": "weekly"},
            {**good, "currency": "EURO"},
            {**good, "account_id": "not-a-uuid"},
            {**good, "surprise": 1},
        ]
        for body in bad_budgets:
            response = await client.post("/api/metrics/budgets", json=body, headers=own)
            assert response.status_code == 422, body
            assert response.headers["content-type"] == "application/problem+json"
        bad_rules = [
            {"kind": "budget_burn", "account_id": str(ACCOUNT), "threshold": 5},
            {"kind": "cpa_above", "account_id": str(ACCOUNT), "threshold": -1},
            {"kind": "cpa_above", "threshold": 5},
            {"kind": "cpa_above", "account_id": str(ACCOUNT), "budget_id": budget["id"], "threshold": 5},
            {"kind": "cpa_above", "account_id": str(ACCOUNT), "threshold": 5, "period": "yearly"},
            {"kind": "spend_over_budget_pct", "threshold": 80},
            {"kind": "spend_over_budget_pct", "budget_id": budget["id"], "threshold": 5000},
            {
                "kind": "spend_over_budget_pct",
                "budget_id": budget["id"],
                "account_id": str(ACCOUNT),
                "threshold": 5,
            },
            {"kind": "ctr_drop_pct", "account_id": str(ACCOUNT), "threshold": 20, "period": "monthly"},
        ]
        for body in bad_rules:
            response = await client.post("/api/metrics/alert-rules", json=body, headers=own)
            assert response.status_code == 422, body
            assert response.headers["content-type"] == "application/problem+json"
        unknown = await client.post(
            "/api/metrics/alert-rules",
            json={"kind": "spend_over_budget_pct", "budget_id": str(uuid.uuid4()), "threshold": 80},
            headers=own,
        )
        assert unknown.status_code == 404
        assert (await client.get("/api/metrics/budgets/not-a-uuid", headers=own)).status_code == 422
        assert (await client.get("/api/metrics/alerts?limit=0", headers=own)).status_code == 422
        response = await client.patch(
            f"/api/metrics/budgets/{budget['id']}", json={"amount_micros": -1}, headers=own
        )
        assert response.status_code == 422
        assert (await client.delete(f"/api/metrics/budgets/{budget['id']}", headers=own)).status_code == 204
        assert (await client.get(f"/api/metrics/budgets/{budget['id']}", headers=own)).status_code == 404


async def test_concurrent_evaluations_fire_once(metrics_service: MetricsService) -> None:
    """Two transactions judging the same rule and period at once (the hourly job and an ingesting consumer):
    the second one's insert waits for the first to commit, then takes nothing, so it publishes nothing."""
    day = date(2026, 9, 1)
    await ingest(metrics_service, [row("c1", day, 9)])
    await budget_with_rule(metrics_service, period="monthly", amount=10_000_000, pct=50)
    when = datetime(2026, 9, 2, tzinfo=UTC)
    async with AsyncSession(metrics_service.engine) as first, AsyncSession(metrics_service.engine) as second:
        await first.begin()
        await second.begin()
        second_pid = (await second.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert await evaluate_all(first, when) == 1  # inserted, not committed: invisible to ``second``
        racing = asyncio.create_task(evaluate_all(second, when))
        await eventually(lambda: blocked_on_lock(metrics_service, second_pid))
        await first.commit()
        assert await racing == 0
        await second.commit()
    events = await metrics_service.published(CROSSED)
    assert [e.data["period_key"] for e in events] == ["2026-09"]


async def blocked_on_lock(service: MetricsService, pid: int) -> bool:
    """True once that backend (the racing transaction) waits on a lock, and on nothing else's."""
    waiting = await service.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = :pid", pid=pid
    )
    return bool(waiting)
