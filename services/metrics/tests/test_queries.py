"""The KPI query API over HTTP: data goes in through JetStream (metrics and campaign events), queries come out
of the rollups with the caller's org from their token."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from adpilot_common.events.contracts.metrics import MetricRow
from adpilot_common.events.envelope import EventEnvelope

from .conftest import MetricsService, campaign_event, fetched, publish_campaign_events, row

ORG = uuid.UUID("00000000-0000-4000-8000-00000000a001")
OTHER_ORG = uuid.UUID("00000000-0000-4000-8000-00000000a002")
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-00000000b001")
event = partial(campaign_event, org=ORG, account=ACCOUNT)
USD_ACCOUNT = uuid.UUID("00000000-0000-4000-8000-00000000b002")


def metric(
    campaign: str, day: date, impressions: int, clicks: int, spend: int, conversions: int, value: int
) -> MetricRow:
    return MetricRow(
        campaign_id=campaign,
        day=day,
        impressions=impressions,
        clicks=clicks,
        spend_micros=spend,
        conversions=Decimal(conversions),
        conversion_value_micros=value,
    )


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def feed(svc: MetricsService, *envelopes: EventEnvelope) -> None:
    for envelope in envelopes:
        await svc.publish(envelope)
    await svc.settled()


async def get(svc: MetricsService, path: str, org: uuid.UUID = ORG, **params: Any) -> Any:
    async with svc.client() as client:
        response = await client.get(
            path, params=params, headers=svc.issuer.headers(org_id=org, role="viewer")
        )
    assert response.status_code == 200, response.text
    return response.json()


async def problem(svc: MetricsService, path: str, status: int, org: uuid.UUID = ORG, **params: Any) -> Any:
    async with svc.client() as client:
        response = await client.get(
            path, params=params, headers=svc.issuer.headers(org_id=org, role="viewer")
        )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


async def test_kpis_are_ratios_of_sums_not_averages_of_ratios(metrics_service: MetricsService) -> None:
    d1, d2, d3 = date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)
    # Day 1: CTR 10 %, day 2: CTR 1 % → the average of ratios would be 5.5 %, the true CTR is 190/10000.
    await feed(
        metrics_service,
        fetched(
            ORG,
            ACCOUNT,
            [
                metric("c1", d1, 1000, 100, 10_000_000, 10, 50_000_000),
                metric("c1", d2, 9000, 90, 90_000_000, 1, 10_000_000),
            ],
        ),
    )
    expected = {
        "impressions": 10_000,
        "clicks": 190,
        "spend_micros": 100_000_000,
        "conversions": 11.0,
        "conversion_value_micros": 60_000_000,
        "ctr": pytest.approx(0.019),
        "cpc_micros": 526_316,  # 100_000_000 / 190, rounded to whole micros
        "cpm_micros": 10_000_000,
        "cpa_micros": 9_090_909,
        "roas": pytest.approx(0.6),
        "conversion_rate": pytest.approx(11 / 190),
    }
    for filters in ({}, {"account_id": str(ACCOUNT)}, {"campaign_id": "c1"}, {"platform": "sandbox"}):
        body = await get(metrics_service, "/api/metrics/totals", **{"from": d1, "to": d2}, **filters)
        assert body["currencies"] == ["EUR"]
        assert "never added" in body["note"]
        assert body["previous_period"] is None
        [totals] = body["totals"]
        assert totals["currency"] == "EUR"
        assert totals["current"] == expected
        assert "previous" not in totals or totals["previous"] is None

    series = await get(metrics_service, "/api/metrics/timeseries", **{"from": d1, "to": d3, "bucket": "day"})
    [eur] = series["series"]
    assert [p["start"] for p in eur["points"]] == [d1.isoformat(), d2.isoformat(), d3.isoformat()]
    assert eur["points"][0]["ctr"] == pytest.approx(0.1)
    assert eur["points"][1]["ctr"] == pytest.approx(0.01)
    # A day without data is a zero bucket whose ratios are null (zero denominators), not zero.
    empty = eur["points"][2]
    assert empty["impressions"] == 0 and empty["spend_micros"] == 0
    assert empty["ctr"] is None and empty["cpc_micros"] is None and empty["cpa_micros"] is None
    assert empty["roas"] is None and empty["cpm_micros"] is None and empty["conversion_rate"] is None

    # Over the two days as one weekly bucket, the ratio again comes from the sums.
    weekly = await get(metrics_service, "/api/metrics/timeseries", **{"from": d1, "to": d2, "bucket": "week"})
    [point] = weekly["series"][0]["points"]
    assert point["ctr"] == pytest.approx(0.019) and point["cpc_micros"] == 526_316


async def test_week_and_month_buckets_follow_the_calendar_and_are_clipped_to_the_range(
    metrics_service: MetricsService,
) -> None:
    await feed(
        metrics_service,
        fetched(ORG, ACCOUNT, [row("c1", d, 1) for d in days(date(2025, 12, 28), date(2026, 2, 15))]),
    )
    # 2026-01-01 is a Thursday: ISO weeks start on Mondays 2025-12-29, 2026-01-05 and 2026-01-12.
    weekly = await get(
        metrics_service,
        "/api/metrics/timeseries",
        **{"from": "2026-01-01", "to": "2026-01-14", "bucket": "week"},
    )
    points = weekly["series"][0]["points"]
    assert [(p["start"], p["end"], p["impressions"]) for p in points] == [
        ("2026-01-01", "2026-01-04", 4000),
        ("2026-01-05", "2026-01-11", 7000),
        ("2026-01-12", "2026-01-14", 3000),
    ]
    monthly = await get(
        metrics_service,
        "/api/metrics/timeseries",
        **{"from": "2026-01-15", "to": "2026-02-10", "bucket": "month", "campaign_id": "c1"},
    )
    points = monthly["series"][0]["points"]
    assert [(p["start"], p["end"], p["clicks"], p["spend_micros"]) for p in points] == [
        ("2026-01-15", "2026-01-31", 170, 17_000_000),
        ("2026-02-01", "2026-02-10", 100, 10_000_000),
    ]
    assert all(p["provisional"] is False for p in points)


async def test_totals_compare_with_the_previous_period_of_the_same_length(
    metrics_service: MetricsService,
) -> None:
    previous = [row("c1", d, 1) for d in days(date(2026, 3, 1), date(2026, 3, 10))]
    current = [row("c1", d, 2) for d in days(date(2026, 3, 11), date(2026, 3, 20))]
    before = [row("c1", d, 100) for d in days(date(2026, 2, 20), date(2026, 2, 28))]  # outside both periods
    await feed(metrics_service, fetched(ORG, ACCOUNT, before + previous + current))

    body = await get(
        metrics_service,
        "/api/metrics/totals",
        **{"from": "2026-03-11", "to": "2026-03-20", "compare": "previous_period"},
    )
    assert body["previous_period"] == {"from": "2026-03-01", "to": "2026-03-10"}
    [totals] = body["totals"]
    assert totals["current"]["spend_micros"] == 20_000_000
    assert totals["previous"]["spend_micros"] == 10_000_000
    assert totals["change"]["spend_micros"] == pytest.approx(1.0)
    assert totals["change"]["impressions"] == pytest.approx(1.0)
    assert totals["change"]["ctr"] == pytest.approx(0.0)  # same ratio in both periods
    assert totals["change"]["cpc_micros"] == pytest.approx(0.0)

    # A previous period without data: its sums are zero and every change is null (not infinite).
    body = await get(
        metrics_service,
        "/api/metrics/totals",
        **{"from": "2026-02-01", "to": "2026-02-28", "compare": "previous_period"},
    )
    assert body["previous_period"] == {"from": "2026-01-04", "to": "2026-01-31"}
    [totals] = body["totals"]
    assert totals["previous"]["spend_micros"] == 0
    assert set(totals["change"].values()) == {None}


async def test_top_campaigns_ranked_with_names_from_campaign_events(metrics_service: MetricsService) -> None:
    day = date(2026, 6, 1)
    await feed(
        metrics_service,
        fetched(
            ORG,
            ACCOUNT,
            [
                metric("c-big", day, 10_000, 100, 300_000_000, 3, 300_000_000),  # ROAS 1
                metric("c-mid", day, 10_000, 500, 200_000_000, 20, 800_000_000),  # ROAS 4
                metric("c-small", day, 10_000, 50, 100_000_000, 1, 200_000_000),  # ROAS 2
                metric("c-free", day, 10_000, 10, 0, 0, 0),  # no spend: ROAS null, ranked last
            ],
        ),
    )
    now = datetime.now(UTC)
    await publish_campaign_events(
        metrics_service,
        event("campaign.v1.created", "c-big", "Big", occurred_at=now - timedelta(minutes=5)),
        event("campaign.v1.updated", "c-big", "Big (renamed)", occurred_at=now),
        # Delivered late but older than the rename: ignored.
        event("campaign.v1.created", "c-big", "Big (stale)", occurred_at=now - timedelta(minutes=1)),
        event("campaign.v1.created", "c-mid", "Mid"),
        event("campaign.v1.status_changed", "c-mid", "Mid", status="PAUSED"),
        # Same external id in another org: must not leak its name into ORG's answer.
        event("campaign.v1.created", "c-small", "Foreign", org=OTHER_ORG),
    )

    body = await get(metrics_service, "/api/metrics/top-campaigns", **{"from": day, "to": day, "limit": 3})
    assert body["by"] == "spend" and body["currencies"] == ["EUR"]
    ranked = body["groups"][0]["campaigns"]
    assert [(c["rank"], c["campaign_id"], c["name"]) for c in ranked] == [
        (1, "c-big", "Big (renamed)"),
        (2, "c-mid", "Mid"),
        (3, "c-small", None),
    ]
    assert ranked[0]["account_id"] == str(ACCOUNT) and ranked[0]["status"] == "ENABLED"
    assert ranked[1]["status"] == "PAUSED"
    assert ranked[1]["roas"] == pytest.approx(4.0) and ranked[1]["cpa_micros"] == 10_000_000

    by_roas = await get(
        metrics_service, "/api/metrics/top-campaigns", **{"from": day, "to": day, "by": "roas"}
    )
    assert [c["campaign_id"] for c in by_roas["groups"][0]["campaigns"]] == [
        "c-mid",
        "c-small",
        "c-big",
        "c-free",
    ]
    by_clicks = await get(
        metrics_service, "/api/metrics/top-campaigns", **{"from": day, "to": day, "by": "clicks", "limit": 1}
    )
    assert [c["campaign_id"] for c in by_clicks["groups"][0]["campaigns"]] == ["c-mid"]

    # A campaign known only from its campaign event (no metrics yet) is a valid, empty filter.
    await publish_campaign_events(metrics_service, event("campaign.v1.created", "c-new", "New"))
    body = await get(
        metrics_service, "/api/metrics/totals", **{"from": day, "to": day, "campaign_id": "c-new"}
    )
    assert body["totals"] == [] and body["currencies"] == []


async def test_several_currencies_are_grouped_never_added(metrics_service: MetricsService) -> None:
    day = date(2026, 7, 1)
    await feed(
        metrics_service,
        fetched(ORG, ACCOUNT, [row("eur-1", day, 1), row("eur-2", day, 2)], currency="EUR"),
        fetched(ORG, USD_ACCOUNT, [row("usd-1", day, 5)], currency="USD"),
    )
    body = await get(metrics_service, "/api/metrics/totals", **{"from": day, "to": day})
    assert body["currencies"] == ["EUR", "USD"]
    spend = {t["currency"]: t["current"]["spend_micros"] for t in body["totals"]}
    assert spend == {"EUR": 3_000_000, "USD": 5_000_000}

    series = await get(metrics_service, "/api/metrics/timeseries", **{"from": day, "to": day})
    assert {s["currency"]: s["points"][0]["clicks"] for s in series["series"]} == {"EUR": 30, "USD": 50}

    top = await get(metrics_service, "/api/metrics/top-campaigns", **{"from": day, "to": day, "limit": 1})
    assert "never compared" in top["note"]
    assert {g["currency"]: [c["campaign_id"] for c in g["campaigns"]] for g in top["groups"]} == {
        "EUR": ["eur-2"],
        "USD": ["usd-1"],
    }
    # Filtering to one account leaves one currency.
    body = await get(
        metrics_service, "/api/metrics/totals", **{"from": day, "to": day, "account_id": str(USD_ACCOUNT)}
    )
    assert body["currencies"] == ["USD"]


async def test_buckets_with_provisional_days_are_flagged(metrics_service: MetricsService) -> None:
    # 2026-08-03 is a Monday; days from 2026-08-12 on may still be restated by the platform.
    rows = [row("c1", d, 1) for d in days(date(2026, 8, 3), date(2026, 8, 16))]
    await feed(metrics_service, fetched(ORG, ACCOUNT, rows, provisional_from=date(2026, 8, 12)))
    for filters in ({}, {"campaign_id": "c1"}):
        weekly = await get(
            metrics_service,
            "/api/metrics/timeseries",
            **{"from": "2026-08-03", "to": "2026-08-16", "bucket": "week"},
            **filters,
        )
        assert [p["provisional"] for p in weekly["series"][0]["points"]] == [False, True]
        daily = await get(
            metrics_service,
            "/api/metrics/timeseries",
            **{"from": "2026-08-10", "to": "2026-08-13"},
            **filters,
        )
        assert [p["provisional"] for p in daily["series"][0]["points"]] == [False, False, True, True]
    totals = await get(metrics_service, "/api/metrics/totals", **{"from": "2026-08-03", "to": "2026-08-09"})
    assert totals["totals"][0]["provisional"] is False
    top = await get(
        metrics_service, "/api/metrics/top-campaigns", **{"from": "2026-08-03", "to": "2026-08-16"}
    )
    assert top["groups"][0]["campaigns"][0]["provisional"] is True


async def test_other_orgs_data_is_invisible_and_their_ids_are_unknown(
    metrics_service: MetricsService,
) -> None:
    day = date(2026, 9, 1)
    await feed(metrics_service, fetched(ORG, ACCOUNT, [row("c1", day, 1)]))
    await publish_campaign_events(metrics_service, event("campaign.v1.created", "c2", "Two"))
    window = {"from": day, "to": day}

    body = await get(metrics_service, "/api/metrics/totals", OTHER_ORG, **window)
    assert body["totals"] == [] and body["currencies"] == []
    assert (await get(metrics_service, "/api/metrics/top-campaigns", OTHER_ORG, **window))["groups"] == []
    assert (await get(metrics_service, "/api/metrics/timeseries", OTHER_ORG, **window))["series"] == []

    # Another org's account or campaign answers exactly like one that does not exist.
    foreign_account = await problem(
        metrics_service, "/api/metrics/totals", 404, OTHER_ORG, **window, account_id=str(ACCOUNT)
    )
    unknown_account = await problem(
        metrics_service, "/api/metrics/totals", 404, OTHER_ORG, **window, account_id=str(uuid.uuid4())
    )
    assert foreign_account["title"] == unknown_account["title"] == "Account not found"
    for campaign in ("c1", "c2"):  # known from metrics, known from a campaign event
        await problem(
            metrics_service, "/api/metrics/timeseries", 404, OTHER_ORG, **window, campaign_id=campaign
        )
        await get(metrics_service, "/api/metrics/timeseries", ORG, **window, campaign_id=campaign)
    await problem(
        metrics_service, "/api/metrics/top-campaigns", 404, OTHER_ORG, **window, account_id=str(ACCOUNT)
    )
    # The campaign exists, but not in this (unknown) account.
    await problem(
        metrics_service, "/api/metrics/totals", 404, **window, campaign_id="c1", account_id=str(USD_ACCOUNT)
    )


@pytest.mark.parametrize(
    ("path", "params", "title"),
    [
        ("/api/metrics/totals", {"from": "2026-03-10", "to": "2026-03-01"}, "Invalid date range"),
        ("/api/metrics/timeseries", {"from": "2020-01-01", "to": "2026-01-01"}, "Date range too long"),
        # Days whose previous period or next bucket Python cannot represent (was a 500).
        (
            "/api/metrics/totals",
            {"from": "0001-01-01", "to": "0001-01-05", "compare": "previous_period"},
            "Date out of range",
        ),
        (
            "/api/metrics/timeseries",
            {"from": "9999-12-01", "to": "9999-12-31", "bucket": "week"},
            "Date out of range",
        ),
        (
            "/api/metrics/timeseries",
            {"from": "9999-12-01", "to": "9999-12-31", "bucket": "month"},
            "Date out of range",
        ),
        ("/api/metrics/top-campaigns", {"from": "1999-12-31", "to": "2000-01-02"}, "Date out of range"),
        ("/api/metrics/totals", {"from": "2099-12-01", "to": "2100-01-01"}, "Date out of range"),
        ("/api/metrics/timeseries", {"from": "2026-01-01", "to": "2026-01-02", "bucket": "hour"}, None),
        ("/api/metrics/top-campaigns", {"from": "2026-01-01", "to": "2026-01-02", "by": "ctr"}, None),
        ("/api/metrics/top-campaigns", {"from": "2026-01-01", "to": "2026-01-02", "limit": 0}, None),
        ("/api/metrics/totals", {"from": "2026-01-01", "to": "2026-01-02", "compare": "last_year"}, None),
        ("/api/metrics/totals", {"from": "2026-01-01", "to": "2026-01-02", "account_id": "not-a-uuid"}, None),
        ("/api/metrics/totals", {"from": "2026-01-01", "to": "2026-01-02", "platform": "myspace"}, None),
        ("/api/metrics/totals", {"from": "yesterday", "to": "2026-01-02"}, None),
        ("/api/metrics/totals", {"to": "2026-01-02"}, None),
    ],
)
async def test_bad_input_is_a_422_problem(
    metrics_service: MetricsService, path: str, params: dict[str, str], title: str | None
) -> None:
    body = await problem(metrics_service, path, 422, **params)
    assert body["title"] == (title or "Validation failed")


async def test_unknown_ids_are_404_problems(metrics_service: MetricsService) -> None:
    window = {"from": "2026-01-01", "to": "2026-01-02"}
    body = await problem(metrics_service, "/api/metrics/timeseries", 404, **window, campaign_id="nope")
    assert body["title"] == "Campaign not found"
    body = await problem(
        metrics_service, "/api/metrics/top-campaigns", 404, **window, account_id=str(uuid.uuid4())
    )
    assert body["title"] == "Account not found"


async def test_viewers_may_query_and_anonymous_callers_may_not(metrics_service: MetricsService) -> None:
    params = {"from": "2026-01-01", "to": "2026-01-31"}
    async with metrics_service.client() as client:
        for path in ("/api/metrics/timeseries", "/api/metrics/totals", "/api/metrics/top-campaigns"):
            anonymous = await client.get(path, params=params)
            assert anonymous.status_code == 401
            assert anonymous.headers["content-type"].startswith("application/problem+json")
            viewer = await client.get(
                path, params=params, headers=metrics_service.issuer.headers(org_id=ORG, role="viewer")
            )
            assert viewer.status_code == 200, viewer.text
