"""MetaClient with the real ``facebook-business`` SDK against a real loopback Graph API (tests/fake_graph.py).

The SDK does all HTTP; only ``sleep`` is injected, so back-off and throttling show up as requested sleeps
instead of real waiting.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from facebook_business.api import FacebookAdsApi

from adpilot_common.devstack.ports import free_port
from adpilot_connectors.platforms.base import (
    AdPlatformClient,
    Credentials,
    DailyMetric,
    ErrorKind,
    InvalidRequest,
    Level,
    NewAd,
    NewAdGroup,
    NewCampaign,
    Platform,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
)
from adpilot_connectors.platforms.meta import API_VERSION, MetaClient, MetaTuning, mapping
from adpilot_connectors.platforms.meta.throttle import Usage, parse_usage

from .fake_graph import APP_ID, APP_SECRET, FakeGraph, appsecret_proof, run_fake_graph

TOKEN_A = "EAAGfakeTokenForOrgA0123456789abcdef"
TOKEN_B = "EAAGfakeTokenForOrgB9876543210fedcba"


class Sleeps:
    """Injected ``sleep``: records what the client asked for and yields to the loop without waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def graph() -> Any:
    async with run_fake_graph() as fake:
        yield fake


def client_for(
    graph: FakeGraph | str, token: str = TOKEN_A, sleeps: Sleeps | None = None, **kwargs: Any
) -> MetaClient:
    url = graph if isinstance(graph, str) else graph.url
    return MetaClient(
        Credentials(access_token=token),
        app_id=APP_ID,
        app_secret=APP_SECRET,
        graph_url=url,
        sleep=sleeps or Sleeps(),
        page_id="777",
        **kwargs,
    )


async def collect(client: MetaClient, account: str, start: date, end: date) -> list[DailyMetric]:
    return [row async for batch in client.fetch_daily_metrics(account, start, end) for row in batch]


# --------------------------------------------------------------------------- reads


async def test_happy_path_accounts_campaigns_ad_sets_ads(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, name="Shop DE", campaigns=2, daily_budget=5000)
    graph.add_account(
        "1002", TOKEN_A, name="Shop JP", currency="JPY", timezone_name="Asia/Tokyo", campaigns=1
    )
    client = client_for(graph)
    typed: AdPlatformClient = client
    assert typed.platform is Platform.META

    accounts = await client.list_accounts()
    assert [(a.external_id, a.name, a.currency, a.time_zone, a.status) for a in accounts] == [
        ("1001", "Shop DE", "EUR", "Europe/Berlin", Status.ENABLED),
        ("1002", "Shop JP", "JPY", "Asia/Tokyo", Status.ENABLED),
    ]

    campaigns = await client.list_campaigns("1001")
    assert [(c.name, c.status, c.objective, c.daily_budget_micros) for c in campaigns] == [
        ("Campaign 1", Status.PAUSED, "OUTCOME_SALES", 50_000_000),  # "5000" cents = 50.00 EUR
        ("Campaign 2", Status.ENABLED, "OUTCOME_SALES", 50_010_000),
    ]
    assert all(c.account_id == "1001" for c in campaigns)
    # JPY has offset 1 in Meta's currency table: "5000" is 5000 yen.
    (jp,) = await client.list_campaigns("act_1002")
    assert jp.daily_budget_micros == 5_000_000_000

    ad_sets = await client.list_ad_groups("1001")
    assert [(g.name, g.campaign_id, g.status) for g in ad_sets] == [
        ("Ad set 1.1", campaigns[0].external_id, Status.ENABLED),
        ("Ad set 2.1", campaigns[1].external_id, Status.ENABLED),
    ]
    ads = await client.list_ads("1001")
    assert ads[0].ad_group_id == ad_sets[0].external_id
    assert ads[0].headlines == ("Headline 1",)
    assert ads[0].descriptions == ("Primary text 1", "Description 1")
    assert ads[0].final_url == "https://shop.example/p/1"

    assert graph.versions == {API_VERSION}
    assert graph.violations == []
    # every request carried the token and a valid appsecret_proof (the fake refuses others with 190/100)
    assert {seen.token for seen in graph.requests} == {TOKEN_A}


async def test_paging_follows_cursors_with_limit_100(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=250)
    client = client_for(graph)
    campaigns = await client.list_campaigns("1001")
    assert len(campaigns) == 250
    assert len({c.external_id for c in campaigns}) == 250
    assert [c.name for c in campaigns[:2]] == ["Campaign 1", "Campaign 2"]
    pages = graph.seen("GET", "campaigns")
    assert len(pages) == 3
    assert all(p.params["limit"] == "100" for p in pages)
    assert "after" not in pages[0].params
    assert pages[1].params["after"] and pages[2].params["after"] != pages[1].params["after"]

    ad_sets = await client.list_ad_groups("1001")
    assert len(ad_sets) == 250 and len(graph.seen("GET", "adsets")) == 3


async def test_short_range_uses_synchronous_insights_with_exact_money(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=2)
    client = client_for(graph)
    ad_id = sorted(graph.ads)[0]
    day = date(2025, 5, 2)
    graph.overrides[(ad_id, day.isoformat())] = {
        "spend": "1234.56",
        "actions": [{"action_type": "purchase", "value": "3"}],  # no pixel purchase: falls back to "purchase"
        "action_values": [{"action_type": "purchase", "value": "99.99"}],
    }

    rows = await collect(client, "1001", date(2025, 5, 1), date(2025, 5, 3))
    assert len(rows) == 6  # 3 days x 2 ads
    assert not graph.seen("POST", "insights")
    (sync_read,) = graph.seen("GET", "insights")
    assert sync_read.params["level"] == "ad" and sync_read.params["time_increment"] == "1"
    assert "actions" in sync_read.params["fields"] and "account_currency" in sync_read.params["fields"]

    row = next(r for r in rows if r.ad_id == ad_id and r.day == day)
    assert row.spend_micros == 1_234_560_000
    assert row.conversions == Decimal(3)
    assert row.conversion_value_micros == 99_990_000
    assert (row.account_id, row.currency) == ("1001", "EUR")
    assert row.campaign_id == graph.ads[ad_id]["campaign_id"]
    assert row.ad_group_id == graph.ads[ad_id]["adset_id"]

    # every other row matches the fake's raw values, converted exactly
    for r in rows:
        if (r.ad_id, r.day) == (ad_id, day):
            continue
        assert r.ad_id is not None
        raw = graph.metric_row(graph.ads[r.ad_id], r.day.isoformat())
        assert r.impressions == int(raw["impressions"]) and r.clicks == int(raw["clicks"])
        assert r.spend_micros == int(Decimal(raw["spend"]) * 1_000_000)
        pixel = [a for a in raw["actions"] if a["action_type"] == "offsite_conversion.fb_pixel_purchase"]
        assert r.conversions == (Decimal(pixel[0]["value"]) if pixel else 0)
        values = [
            a
            for a in raw.get("action_values", [])
            if a["action_type"] == "offsite_conversion.fb_pixel_purchase"
        ]
        assert r.conversion_value_micros == (int(Decimal(values[0]["value"]) * 1_000_000) if values else 0)


async def test_configurable_conversion_action_type(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    ad_id = next(iter(graph.ads))
    day = date(2025, 5, 1)
    graph.overrides[(ad_id, day.isoformat())] = {
        "actions": [
            {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "2"},
            {"action_type": "lead", "value": "7"},
        ],
        "action_values": [{"action_type": "offsite_conversion.fb_pixel_purchase", "value": "10.00"}],
    }
    client = client_for(graph, conversion_action_types=("lead",))
    (row,) = await collect(client, "1001", day, day)
    assert row.conversions == Decimal(7)
    assert row.conversion_value_micros == 0  # no "lead" value


async def test_sixty_day_range_runs_an_async_report_job(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=3)
    sleeps = Sleeps()
    client = client_for(graph, sleeps=sleeps)
    end = date(2025, 6, 30)
    start = end - timedelta(days=59)

    batches = [batch async for batch in client.fetch_daily_metrics("1001", start, end)]
    rows = [row for batch in batches for row in batch]
    assert len(rows) == 60 * 3
    assert [len(b) for b in batches] == [100, 80]  # two pages of the report's results
    assert {r.day for r in rows} == {start + timedelta(days=i) for i in range(60)}

    (job,) = graph.seen("POST", "insights")
    assert job.params["level"] == "ad" and job.params["time_increment"] == "1"
    assert '"since":"2025-05-02"' in job.params["time_range"]
    run_id = next(iter(graph.reports))
    polls = [s for s in graph.seen("GET") if s.path == run_id]
    assert len(polls) == 4  # Not Started, Running 35 %, Running 80 %, Completed
    assert len(graph.seen("GET", f"{run_id}/insights")) == 2
    assert sleeps.calls == [2.0, 4.0, 8.0]  # poll back-off, doubling
    assert not [s for s in graph.seen("GET") if s.path == "act_1001/insights"]  # no synchronous read


async def test_failed_report_job_is_started_again(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.failed_jobs = 1
    client = client_for(graph)
    rows = await collect(client, "1001", date(2025, 6, 1), date(2025, 6, 20))
    assert len(rows) == 20
    assert len(graph.seen("POST", "insights")) == 2


async def test_report_job_that_never_finishes_times_out(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.job_steps = [("Job Running", 10)]
    sleeps = Sleeps()
    client = client_for(graph, sleeps=sleeps, tuning=MetaTuning(job_timeout_s=60, job_poll_max_s=16))
    with pytest.raises(TransientPlatformError, match="not finished after 60 s"):
        await collect(client, "1001", date(2025, 6, 1), date(2025, 6, 30))
    assert sleeps.calls == [2.0, 4.0, 8.0, 16.0, 16.0, 16.0]  # 62 s waited, then it gives up


# --------------------------------------------------------------------------- errors, back-off, throttling


@pytest.mark.parametrize(
    ("code", "eta_minutes", "expected_sleeps"),
    [
        (17, 0, [60.0, 120.0]),
        (613, 0, [60.0, 120.0]),
        (4, 0, [60.0, 120.0]),
        (32, 0, [60.0, 120.0]),
        (80004, 0, [60.0, 120.0]),
        (80000, 5, [300.0, 300.0]),  # estimated_time_to_regain_access (minutes) wins over the back-off
    ],
)
async def test_rate_limit_codes_back_off_then_succeed(
    graph: FakeGraph, code: int, eta_minutes: int, expected_sleeps: list[float]
) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=3)
    graph.inject(code, times=2, path="campaigns", eta_minutes=eta_minutes)
    sleeps = Sleeps()
    campaigns = await client_for(graph, sleeps=sleeps).list_campaigns("1001")
    assert len(campaigns) == 3
    assert sleeps.calls == expected_sleeps
    assert len(graph.seen("GET", "campaigns")) == 3


@pytest.mark.parametrize(
    ("code", "scope"), [(613, "account"), (17, "account"), (4, "app"), (80004, "business")]
)
async def test_rate_limit_gives_up_with_scope(graph: FakeGraph, code: int, scope: str) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.inject(code, times=100, path="campaigns")
    sleeps = Sleeps()
    client = client_for(graph, sleeps=sleeps, tuning=MetaTuning(max_retries=3))
    with pytest.raises(RateLimited) as caught:
        await client.list_campaigns("1001")
    assert caught.value.scope == scope
    assert caught.value.retry_after_s == 480.0
    assert f"Meta API error {code}" in str(caught.value)
    assert sleeps.calls == [60.0, 120.0, 240.0]
    assert len(graph.seen("GET", "campaigns")) == 4


@pytest.mark.parametrize(
    ("header", "eta_minutes", "pause"),
    [("business", 0, 60.0), ("business", 3, 180.0), ("app", 0, 60.0), ("account", 0, 60.0)],
)
async def test_usage_above_90_percent_pauses_before_the_next_call(
    graph: FakeGraph, header: str, eta_minutes: int, pause: float
) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=150)
    graph.high_usage(
        95.0, eta_minutes=eta_minutes, header=header
    )  # only the first response (the account read)
    sleeps = Sleeps()
    campaigns = await client_for(graph, sleeps=sleeps).list_campaigns("1001")
    assert len(campaigns) == 150
    assert sleeps.calls == [pause]  # once, before the campaigns read; normal usage afterwards


async def test_usage_below_threshold_does_not_pause(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=2)
    graph.high_usage(89.0, responses=5)
    sleeps = Sleeps()
    await client_for(graph, sleeps=sleeps).list_campaigns("1001")
    assert sleeps.calls == []


async def test_expired_token_needs_reconnect_without_retries(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.expire(TOKEN_A)
    sleeps = Sleeps()
    with pytest.raises(ReconnectRequired, match="190/463"):
        await client_for(graph, sleeps=sleeps).list_accounts()
    assert len(graph.requests) == 1
    assert sleeps.calls == []


@pytest.mark.parametrize("code", [102, 10, 200, 294])
async def test_token_and_permission_codes_need_reconnect(graph: FakeGraph, code: int) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.inject(code, times=5, message=f"(#{code}) Permission or session problem")
    sleeps = Sleeps()
    with pytest.raises(ReconnectRequired):
        await client_for(graph, sleeps=sleeps).list_campaigns("1001")
    assert len(graph.requests) == 1 and sleeps.calls == []


async def test_unknown_token_needs_reconnect(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    with pytest.raises(ReconnectRequired):
        await client_for(graph, token="EAAGnotAKnownToken").list_accounts()


async def test_server_errors_are_retried_then_succeed(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=2)
    graph.inject(2, http_status=500, path="campaigns")  # Graph JSON error, is_transient
    graph.inject_raw(502, "<html><body>Bad Gateway</body></html>", path="campaigns")  # an edge proxy's page
    graph.inject(1, http_status=500, path="campaigns")
    sleeps = Sleeps()
    campaigns = await client_for(graph, sleeps=sleeps).list_campaigns("1001")
    assert len(campaigns) == 2
    assert sleeps.calls == [2.0, 4.0, 8.0]


async def test_truncated_json_on_http_200_is_retried(graph: FakeGraph) -> None:
    # The SDK itself would treat this body as a successful response (it never looks at the status).
    graph.add_account("1001", TOKEN_A, campaigns=2)
    graph.inject_raw(200, '{"data": [{"id": "1202100000', path="campaigns")
    sleeps = Sleeps()
    assert len(await client_for(graph, sleeps=sleeps).list_campaigns("1001")) == 2
    assert sleeps.calls == [2.0]


async def test_server_errors_give_up_as_transient(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.inject(None, http_status=500, times=100, path="campaigns")
    sleeps = Sleeps()
    with pytest.raises(TransientPlatformError, match="gave up after 2 retries"):
        await client_for(graph, sleeps=sleeps, tuning=MetaTuning(max_retries=2)).list_campaigns("1001")
    assert sleeps.calls == [2.0, 4.0]


async def test_failed_page_is_retried_alone(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=250)
    graph.inject(17, times=1, path="campaigns", skip=1)  # the second page fails once
    sleeps = Sleeps()
    campaigns = await client_for(graph, sleeps=sleeps).list_campaigns("1001")
    assert len(campaigns) == 250 and len({c.external_id for c in campaigns}) == 250
    afters = [s.params.get("after") for s in graph.seen("GET", "campaigns")]
    assert len(afters) == 4
    assert afters[1] == afters[2]  # the failed page was asked for again with the same cursor
    assert sleeps.calls == [60.0]


async def test_other_errors_are_invalid_requests(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    sleeps = Sleeps()
    with pytest.raises(InvalidRequest, match="does not exist"):
        await client_for(graph, sleeps=sleeps).list_campaigns("999")
    assert sleeps.calls == []


async def test_restated_metrics_come_back_on_the_next_fetch(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    client = client_for(graph)
    ad_id = next(iter(graph.ads))
    day = date(2025, 6, 10)
    graph.restate(
        ad_id,
        day,
        spend="42.10",
        actions=[{"action_type": "offsite_conversion.fb_pixel_purchase", "value": "9"}],
        action_values=[{"action_type": "offsite_conversion.fb_pixel_purchase", "value": "450.00"}],
    )
    first = {r.day: r for r in await collect(client, "1001", date(2025, 6, 8), date(2025, 6, 11))}
    second = {r.day: r for r in await collect(client, "1001", date(2025, 6, 8), date(2025, 6, 11))}
    assert first[day] != second[day]
    assert (second[day].spend_micros, second[day].conversions, second[day].conversion_value_micros) == (
        42_100_000,
        Decimal(9),
        450_000_000,
    )
    assert {d: r for d, r in first.items() if d != day} == {d: r for d, r in second.items() if d != day}


def test_usage_headers_are_parsed_like_meta_sends_them() -> None:
    headers = {
        "x-app-usage": '{"call_count":12,"total_cputime":3,"total_time":9}',
        "x-ad-account-usage": '{"acc_id_util_pct":9.67,"reset_time_duration":0,"ads_api_access_tier":"standard_access"}',
        "x-business-use-case-usage": (
            '{"5550001":[{"type":"ads_insights","call_count":4,"total_cputime":2,"total_time":3,'
            '"estimated_time_to_regain_access":0},{"type":"ads_management","call_count":97,"total_cputime":10,'
            '"total_time":11,"estimated_time_to_regain_access":7,"ads_api_access_tier":"standard_access"}]}'
        ),
    }
    assert parse_usage(headers) == Usage(pct=97.0, scope="business", regain_s=420.0)
    assert parse_usage(
        {"x-ad-account-usage": '{"acc_id_util_pct": 99.5, "reset_time_duration": 120}'}
    ) == Usage(99.5, "account", 120.0)
    assert parse_usage({"x-app-usage": "not json"}) is None
    assert parse_usage({}) is None


def test_money_conversions_are_exact() -> None:
    assert mapping.minor_units_to_micros("5000", "EUR") == 50_000_000
    assert mapping.minor_units_to_micros("5000", "JPY") == 5_000_000_000
    assert mapping.minor_units_to_micros("5000", "KRW") == 5_000_000_000
    assert mapping.micros_to_minor_units(12_340_000, "USD") == 1234
    assert mapping.micros_to_minor_units(7_000_000, "HUF") == 7  # HUF has offset 1 at Meta
    with pytest.raises(InvalidRequest):
        mapping.micros_to_minor_units(12_345_000, "USD")
    assert mapping.amount_to_micros("0.01") == 10_000
    assert mapping.amount_to_micros("1234567.891234") == 1_234_567_891_234
    assert mapping.amount_to_micros("0.0000005") == 0  # half-even below a micro
    assert mapping.amount_to_micros("0.0000015") == 2


# --------------------------------------------------------------------------- writes


async def test_bulk_create_reports_partial_failure(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A)
    graph.reject_names = {"Black Friday!!! Guaranteed cure"}
    client = client_for(graph)
    results = await client.create_campaigns(
        "1001",
        [
            NewCampaign("Spring sale", daily_budget_micros=25_000_000),
            NewCampaign("Black Friday!!! Guaranteed cure", daily_budget_micros=10_000_000),
            NewCampaign("Odd budget", daily_budget_micros=1_234_567),  # not a whole cent: refused locally
            NewCampaign(
                "Summer", daily_budget_micros=40_000_000, objective="OUTCOME_SALES", status=Status.ENABLED
            ),
        ],
    )
    assert [r.ok for r in results] == [True, False, False, True]
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert results[1].error is not None and "violates advertising policies" in results[1].error
    assert results[2].error is not None and "not a whole number" in results[2].error
    assert [r.kind for r in results] == [None, ErrorKind.POLICY, ErrorKind.INVALID_REQUEST, None]
    created = [graph.campaigns[r.external_id] for r in results if r.external_id]
    assert [(c["name"], c["status"], c["daily_budget"], c["objective"]) for c in created] == [
        ("Spring sale", "PAUSED", "2500", "OUTCOME_TRAFFIC"),
        ("Summer", "ACTIVE", "4000", "OUTCOME_SALES"),
    ]
    assert len(graph.seen("POST", "campaigns")) == 3

    spring = results[0].external_id
    assert spring is not None
    ad_sets = await client.create_ad_groups(
        "1001", [NewAdGroup(spring, "Berlin"), NewAdGroup("123", "Dangling parent")]
    )
    assert [r.ok for r in ad_sets] == [True, False]
    assert ad_sets[0].external_id is not None
    ad_set = graph.adsets[ad_sets[0].external_id]
    assert ad_set["status"] == "PAUSED" and ad_set["billing_event"] == "IMPRESSIONS"

    ads = await client.create_ads(
        "1001",
        [
            NewAd(
                ad_sets[0].external_id,
                "Spring ad",
                final_url="https://shop.example/spring",
                headlines=("Spring is here",),
                descriptions=("Fresh styles for the season.", "Free returns"),
            )
        ],
    )
    assert ads[0].ok and ads[0].external_id is not None
    link_data = graph.ads[ads[0].external_id]["creative"]["object_story_spec"]["link_data"]
    assert link_data == {
        "link": "https://shop.example/spring",
        "message": "Fresh styles for the season.",
        "name": "Spring is here",
        "description": "Free returns",
    }
    (listed,) = await client.list_ads("1001")
    assert listed.headlines == ("Spring is here",)
    assert listed.descriptions == ("Fresh styles for the season.", "Free returns")
    assert listed.final_url == "https://shop.example/spring" and listed.status is Status.PAUSED


async def test_bulk_create_stops_on_expired_token_and_keeps_earlier_results(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A)
    client = client_for(graph)
    await client.get_account("1001")
    # the first create goes through, then the token turns out to be expired
    graph.inject(
        190, times=5, subcode=463, method="POST", path="campaigns", skip=1, message="Session has expired"
    )
    results = await client.create_campaigns("1001", [NewCampaign(f"C{i}", 10_000_000) for i in range(3)])
    assert results[0].ok and results[0].external_id in graph.campaigns
    assert results[1].error is not None and results[1].error.startswith("ReconnectRequired")
    assert results[2].error is not None and results[2].error.startswith("not attempted")
    assert [r.kind for r in results] == [None, ErrorKind.RECONNECT_REQUIRED, ErrorKind.RECONNECT_REQUIRED]
    assert len(graph.seen("POST", "campaigns")) == 2


async def test_bulk_create_stops_on_a_rate_limit_with_the_hint_for_the_rest(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A)
    client = client_for(graph, tuning=MetaTuning(max_retries=0, rate_limit_backoff_s=120.0))
    await client.get_account("1001")
    graph.inject(613, times=100, method="POST", path="campaigns", skip=1)
    results = await client.create_campaigns("1001", [NewCampaign(f"C{i}", 10_000_000) for i in range(3)])
    assert results[0].ok
    assert [r.kind for r in results[1:]] == [ErrorKind.RATE_LIMITED, ErrorKind.RATE_LIMITED]
    assert [r.retry_after_s for r in results[1:]] == [120.0, 120.0]
    assert (results[2].error or "").startswith("not attempted")
    assert len(graph.seen("POST", "campaigns")) == 2


async def test_a_create_is_not_sent_again_after_a_server_error(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A)
    sleeps = Sleeps()
    client = client_for(graph, sleeps=sleeps)
    await client.get_account("1001")
    graph.inject(2, http_status=500, method="POST", path="campaigns")  # the campaign may exist now
    results = await client.create_campaigns(
        "1001", [NewCampaign("Maybe", 10_000_000), NewCampaign("Next", 10_000_000)]
    )
    assert results[0].kind is ErrorKind.TRANSIENT and "outcome unknown" in (results[0].error or "")
    assert results[1].ok and sleeps.calls == []
    assert len(graph.seen("POST", "campaigns")) == 2


async def test_ad_sets_with_targeting_and_ads_with_creatives(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    campaign_id = next(iter(graph.campaigns))
    client = client_for(graph)
    ad_sets = await client.create_ad_groups(
        "1001",
        [
            NewAdGroup(campaign_id, "DACH 25-44", countries=("DE", "AT", "CH"), age_min=25, age_max=44),
            NewAdGroup(campaign_id, "Defaults"),
            NewAdGroup(campaign_id, "Berlin", location_ids=("2950159",)),
        ],
    )
    assert [r.kind for r in ad_sets] == [None, None, ErrorKind.INVALID_REQUEST]
    assert "countries" in (ad_sets[2].error or "")
    assert ad_sets[0].external_id and ad_sets[1].external_id
    assert graph.adsets[ad_sets[0].external_id]["targeting"] == {
        "geo_locations": {"countries": ["DE", "AT", "CH"]},
        "age_min": 25,
        "age_max": 44,
    }
    assert graph.adsets[ad_sets[1].external_id]["targeting"] == {"geo_locations": {"countries": ["US"]}}
    assert len(graph.seen("POST", "act_1001/adsets")) == 2  # the refused one was not sent

    adset_id = ad_sets[0].external_id
    url = "https://shop.example/spring"
    ads = await client.create_ads(
        "1001",
        [
            NewAd(
                adset_id,
                "Link ad",
                url,
                ("Spring is here",),
                ("Fresh styles for the season.",),
                call_to_action="SHOP_NOW",
                image_id="a1b2c3d4hash",
                identity_id="888",  # another Page than the app's default
            ),
            NewAd(
                adset_id,
                "Video ad",
                url,
                ("Watch the drop",),
                ("Our spring film.", "Free returns"),
                video_id="9001",
                image_url="https://cdn.shop.example/thumb.jpg",
            ),
            NewAd(adset_id, "Video without thumbnail", url, ("H",), ("D",), video_id="9002"),
        ],
    )
    assert [r.kind for r in ads] == [None, None, ErrorKind.INVALID_REQUEST]
    assert "thumbnail" in (ads[2].error or "")
    assert ads[0].external_id and ads[1].external_id
    link = graph.ads[ads[0].external_id]["creative"]["object_story_spec"]
    assert link == {
        "page_id": "888",
        "link_data": {
            "link": url,
            "message": "Fresh styles for the season.",
            "name": "Spring is here",
            "image_hash": "a1b2c3d4hash",
            "call_to_action": {"type": "SHOP_NOW", "value": {"link": url}},
        },
    }
    video = graph.ads[ads[1].external_id]["creative"]["object_story_spec"]
    assert video == {
        "page_id": "777",
        "video_data": {
            "video_id": "9001",
            "call_to_action": {"type": "LEARN_MORE", "value": {"link": url}},
            "message": "Our spring film.",
            "title": "Watch the drop",
            "link_description": "Free returns",
            "image_url": "https://cdn.shop.example/thumb.jpg",
        },
    }
    listed = {a.external_id: a for a in await client.list_ads("1001")}
    assert listed[ads[1].external_id].headlines == ("Watch the drop",)
    assert listed[ads[1].external_id].final_url == url
    assert (
        len([s for s in graph.seen("POST") if s.path == "act_1001/ads"]) == 2
    )  # not the one without a thumbnail


async def test_validate_only_writes_nothing(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.reject_names = {"Bad name"}
    campaign_id = next(iter(graph.campaigns))
    adset_id = next(iter(graph.adsets))
    before = (dict(graph.campaigns), dict(graph.adsets), dict(graph.ads))
    client = client_for(graph)

    campaigns = await client.create_campaigns(
        "1001", [NewCampaign("Dry run", 20_000_000), NewCampaign("Bad name", 20_000_000)], validate_only=True
    )
    ad_sets = await client.create_ad_groups("1001", [NewAdGroup(campaign_id, "Dry set")], validate_only=True)
    ads = await client.create_ads(
        "1001",
        [NewAd(adset_id, "Dry ad", "https://shop.example", ("Headline",), ("Text",))],
        validate_only=True,
    )
    assert [(r.ok, r.external_id) for r in campaigns] == [(True, None), (False, None)]
    assert campaigns[1].error is not None and "violates advertising policies" in campaigns[1].error
    assert [(r.ok, r.external_id) for r in ad_sets + ads] == [(True, None), (True, None)]
    assert (graph.campaigns, graph.adsets, graph.ads) == before
    posts = graph.seen("POST")
    assert len(posts) == 4 and all(p.params["execution_options"] == '["validate_only"]' for p in posts)


async def test_create_ads_without_page_fails_per_item(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    client = MetaClient(
        Credentials(TOKEN_A), app_id=APP_ID, app_secret=APP_SECRET, graph_url=graph.url, sleep=Sleeps()
    )
    (result,) = await client.create_ads(
        "1001", [NewAd(next(iter(graph.adsets)), "Ad", "https://x.example", ("H",), ("D",))]
    )
    assert result.error is not None and "page_id" in result.error
    assert not graph.seen("POST")


async def test_set_status_and_daily_budget(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=1)
    graph.add_account("2002", TOKEN_A, currency="JPY", timezone_name="Asia/Tokyo", campaigns=1)
    client = client_for(graph)
    eur_campaign, jpy_campaign = sorted(graph.campaigns, key=lambda c: graph.campaigns[c]["account"])
    adset_id = next(a for a, v in graph.adsets.items() if v["campaign_id"] == eur_campaign)
    ad_id = next(a for a, v in graph.ads.items() if v["campaign_id"] == eur_campaign)

    await client.set_status("1001", Level.CAMPAIGN, eur_campaign, Status.ENABLED)
    await client.set_status("1001", Level.AD_GROUP, adset_id, Status.PAUSED)
    await client.set_status("1001", Level.AD, ad_id, Status.REMOVED)
    assert graph.campaigns[eur_campaign]["status"] == "ACTIVE"
    assert graph.adsets[adset_id]["status"] == "PAUSED"
    assert graph.ads[ad_id]["status"] == "DELETED"

    await client.set_daily_budget("1001", eur_campaign, 75_500_000)
    await client.set_daily_budget("2002", jpy_campaign, 3_000_000_000)
    assert graph.campaigns[eur_campaign]["daily_budget"] == "7550"
    assert graph.campaigns[jpy_campaign]["daily_budget"] == "3000"
    with pytest.raises(InvalidRequest):
        await client.set_daily_budget("2002", jpy_campaign, 3_000_500_000)  # half a yen


# --------------------------------------------------------------------------- tenancy and secrets


async def test_two_clients_in_parallel_never_mix_tokens(graph: FakeGraph) -> None:
    graph.add_account("1001", TOKEN_A, campaigns=120)
    graph.add_account("2002", TOKEN_B, campaigns=130, business_id="5550002")
    client_a = client_for(graph, TOKEN_A)
    client_b = client_for(graph, TOKEN_B)

    async def work(client: MetaClient, account: str) -> tuple[int, int, int]:
        campaigns = await client.list_campaigns(account)
        ads = await client.list_ads(account)
        rows = await collect(client, account, date(2025, 6, 1), date(2025, 6, 3))
        return len(campaigns), len(ads), len(rows)

    results = await asyncio.gather(
        *(work(c, a) for _ in range(3) for c, a in ((client_a, "1001"), (client_b, "2002")))
    )
    assert results == [(120, 120, 360), (130, 130, 390)] * 3
    assert graph.violations == []
    for seen in graph.requests:
        owner = {"act_1001": TOKEN_A, "act_2002": TOKEN_B}[seen.path.split("/")[0]]
        assert seen.token == owner, seen.path
    assert {s.token for s in graph.requests} == {TOKEN_A, TOKEN_B}
    assert FacebookAdsApi.get_default_api() is None  # no process-wide SDK state to leak between orgs
    # each client signs with its own proof
    assert appsecret_proof(TOKEN_A) != appsecret_proof(TOKEN_B)


async def test_token_never_appears_in_errors_or_logs(
    graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    graph.add_account("1001", TOKEN_A, campaigns=2)
    secrets = (TOKEN_A, appsecret_proof(TOKEN_A))
    errors: list[BaseException] = []
    sleeps = Sleeps()
    client = client_for(graph, sleeps=sleeps, tuning=MetaTuning(max_retries=1))

    await client.list_campaigns(
        "1001"
    )  # successful requests log their URL (query string) at DEBUG in urllib3
    graph.inject(2, http_status=500, times=5, path="campaigns")
    graph.inject(613, times=5, path="adsets")
    with pytest.raises(TransientPlatformError) as transient:
        await client.list_campaigns("1001")
    errors.append(transient.value)
    with pytest.raises(RateLimited) as limited:
        await client.list_ad_groups("1001")
    errors.append(limited.value)
    with pytest.raises(InvalidRequest) as invalid:
        await client.list_ads("404")
    errors.append(invalid.value)
    graph.expire(TOKEN_A)
    with pytest.raises(ReconnectRequired) as reconnect:
        await client.list_accounts()
    errors.append(reconnect.value)
    # nothing listens here: requests' own message would contain the full URL with ?access_token=
    closed = client_for(f"http://127.0.0.1:{free_port()}", sleeps=sleeps, tuning=MetaTuning(max_retries=1))
    with pytest.raises(TransientPlatformError) as refused:
        await closed.list_accounts()
    errors.append(refused.value)

    assert "urllib3" in caplog.text  # the request lines were logged ...
    for secret in secrets:
        assert secret not in caplog.text  # ... with the token redacted
        assert secret not in repr(client)
        for error in errors:
            text = "".join(traceback.format_exception(error))
            assert secret not in text and secret not in repr(error)
