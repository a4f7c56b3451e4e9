"""The TikTok client against a real HTTP stand-in of the Marketing API v1.3 on loopback (tests/fake_tiktok.py).

Back-off waits go through an injected ``sleep`` that records the delay asked for and returns at once, so the
retry policy is asserted exactly without the tests waiting.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

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
from adpilot_connectors.platforms.tiktok import TikTokClient, exchange_auth_code

from .fake_tiktok import APP_ID, APP_SECRET, AUTH_CODE, TOKEN, Entity, FakeTikTok, run_fake_tiktok

ADV = "7001000000000000001"  # 3 campaigns x 2 ad groups x 6 ads (one campaign deleted), EUR
ADV_SMALL = "7001000000000000002"  # 1 campaign, 1 ad group, 2 ads, USD


def seed(fake: FakeTikTok) -> None:
    fake.add_advertiser(ADV, "Acme DE", currency="EUR", timezone="Europe/Berlin")
    fake.add_advertiser(
        ADV_SMALL, "Acme US", currency="USD", timezone="America/New_York", status="STATUS_LIMIT"
    )
    campaigns = [
        fake.add(
            "campaign",
            ADV,
            "Daily",
            extra={"budget": 120.5, "budget_mode": "BUDGET_MODE_DAY", "objective_type": "TRAFFIC"},
        ),
        fake.add(
            "campaign",
            ADV,
            "Lifetime",
            operation_status="DISABLE",
            extra={"budget": 5000.0, "budget_mode": "BUDGET_MODE_TOTAL", "objective_type": "WEB_CONVERSIONS"},
        ),
        fake.add(
            "campaign", ADV, "Gone", deleted=True, extra={"budget": 0, "budget_mode": "BUDGET_MODE_INFINITE"}
        ),
    ]
    for campaign in campaigns:
        for g in range(2):
            group = fake.add(
                "adgroup",
                ADV,
                f"{campaign.name} group {g}",
                campaign_id=campaign.id,
                deleted=campaign.deleted,
            )
            for a in range(6):
                fake.add(
                    "ad",
                    ADV,
                    f"{group.name} ad {a}",
                    campaign_id=campaign.id,
                    adgroup_id=group.id,
                    deleted=campaign.deleted,
                    extra={
                        "ad_text": "Fresh shoes for every run",
                        "landing_page_url": "https://shop.example/run",
                    },
                )
    small = fake.add("campaign", ADV_SMALL, "US", extra={"budget": 60, "budget_mode": "BUDGET_MODE_DAY"})
    small_group = fake.add("adgroup", ADV_SMALL, "US group", campaign_id=small.id)
    for a in range(2):
        fake.add("ad", ADV_SMALL, f"US ad {a}", campaign_id=small.id, adgroup_id=small_group.id)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTikTok]:
    async with run_fake_tiktok() as server:
        seed(server)
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


MakeClient = Callable[..., TikTokClient]


@pytest.fixture
async def make_client(fake: FakeTikTok, sleeps: list[float]) -> AsyncIterator[MakeClient]:
    clients: list[TikTokClient] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    def build(**overrides: Any) -> TikTokClient:
        options: dict[str, Any] = {
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "base_url": fake.base_url,
            "sleep": record,
            "timeout_s": 5.0,
        }
        token = overrides.pop("token", TOKEN)
        options.update(overrides)
        client = TikTokClient(Credentials(access_token=token), **options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


def requests_to(fake: FakeTikTok, fragment: str) -> list[Any]:
    return [r for r in fake.requests if fragment in r.path]


async def collect(client: TikTokClient, account: str, start: date, end: date) -> list[list[DailyMetric]]:
    return [batch async for batch in client.fetch_daily_metrics(account, start, end)]


def ads_of(fake: FakeTikTok, advertiser: str) -> list[Entity]:
    return [e for e in fake.entities if e.level == "ad" and e.advertiser_id == advertiser]


# ------------------------------------------------------------------------------------------------ reads


async def test_satisfies_the_platform_protocol(make_client: MakeClient) -> None:
    client: AdPlatformClient = make_client()
    assert client.platform is Platform.TIKTOK


async def test_list_accounts_through_the_app_grant(make_client: MakeClient, fake: FakeTikTok) -> None:
    accounts = await make_client().list_accounts()

    by_id = {a.external_id: a for a in accounts}
    assert set(by_id) == {ADV, ADV_SMALL}
    assert (by_id[ADV].name, by_id[ADV].currency, by_id[ADV].time_zone) == ("Acme DE", "EUR", "Europe/Berlin")
    assert by_id[ADV].status is Status.ENABLED
    assert (by_id[ADV_SMALL].currency, by_id[ADV_SMALL].status) == ("USD", Status.PAUSED)

    grant = requests_to(fake, "/oauth2/advertiser/get/")[0]
    assert grant.method == "GET" and grant.query == {"app_id": APP_ID, "secret": APP_SECRET}
    info = requests_to(fake, "/advertiser/info/")[0]
    assert sorted(json.loads(info.query["advertiser_ids"])) == sorted([ADV, ADV_SMALL])
    assert "currency" in json.loads(info.query["fields"])
    for request in fake.requests:
        assert request.headers["access-token"] == TOKEN
        assert "authorization" not in request.headers
        assert request.path.startswith("/open_api/v1.3/") and request.path.endswith("/")


async def test_list_accounts_with_the_advertiser_ids_from_the_token(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    client = make_client(app_secret=None, advertiser_ids=[ADV_SMALL])
    accounts = await client.list_accounts()
    assert [a.external_id for a in accounts] == [ADV_SMALL]
    assert not requests_to(fake, "/oauth2/")
    with pytest.raises(InvalidRequest, match="app secret"):
        await make_client(app_secret=None).list_accounts()


async def test_entities_page_until_total_page(make_client: MakeClient, fake: FakeTikTok) -> None:
    client = make_client(entity_page_size=4)

    campaigns = await client.list_campaigns(ADV)
    groups = await client.list_ad_groups(ADV)
    ads = await client.list_ads(ADV)

    assert len(campaigns) == 3 and len(groups) == 6 and len(ads) == 36
    by_name = {c.name: c for c in campaigns}
    assert by_name["Daily"].status is Status.ENABLED
    assert by_name["Daily"].daily_budget_micros == 120_500_000
    assert by_name["Daily"].objective == "TRAFFIC"
    assert by_name["Lifetime"].status is Status.PAUSED
    assert by_name["Lifetime"].daily_budget_micros is None  # a lifetime budget is not a daily one
    assert by_name["Gone"].status is Status.REMOVED
    assert {g.campaign_id for g in groups} == {c.external_id for c in campaigns}
    assert all(g.account_id == ADV for g in groups)
    assert sum(a.status is Status.REMOVED for a in ads) == 12
    assert (
        ads[0].descriptions == ("Fresh shoes for every run",)
        and ads[0].final_url == "https://shop.example/run"
    )
    assert {a.ad_group_id for a in ads} == {g.external_id for g in groups}

    ad_pages = requests_to(fake, "/ad/get/")
    assert [int(r.query["page"]) for r in ad_pages] == list(range(1, 10))
    assert all(r.query["page_size"] == "4" for r in ad_pages)
    assert json.loads(ad_pages[0].query["filtering"]) == {"secondary_status": "AD_STATUS_ALL"}
    assert "adgroup_id" in json.loads(ad_pages[0].query["fields"])
    assert len(requests_to(fake, "/campaign/get/")) == 1


async def test_daily_metrics_normalised_in_micros_and_paged(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    start, end = date(2026, 3, 1), date(2026, 3, 30)
    batches = await collect(make_client(), ADV, start, end)

    assert [len(b) for b in batches] == [1000, 80]  # 36 ads x 30 days over two report pages
    rows = [row for batch in batches for row in batch]
    assert len({(r.ad_id, r.day) for r in rows}) == 1080

    ad = ads_of(fake, ADV)[2]
    row = next(r for r in rows if r.ad_id == ad.id and r.day == date(2026, 3, 17))
    served = fake.values(ad.id, date(2026, 3, 17))
    assert served["spend"] == "3.17"
    assert row.spend_micros == 3_170_000
    assert row.impressions == int(served["impressions"]) and row.clicks == int(served["clicks"])
    assert row.conversions == Decimal(served["conversion"])
    assert row.conversion_value_micros == 42_500_000  # "42.50"
    assert (row.account_id, row.campaign_id, row.ad_group_id, row.currency) == (
        ADV,
        ad.campaign_id,
        ad.adgroup_id,
        "EUR",
    )
    assert sum(r.spend_micros for r in rows) == sum(
        int(Decimal(fake.values(r.ad_id, r.day)["spend"]) * 1_000_000) for r in rows
    )
    deleted = {e.id for e in ads_of(fake, ADV) if e.deleted}
    assert deleted & {r.ad_id for r in rows} == deleted  # spend of deleted ads still counts

    reports = requests_to(fake, "/report/integrated/get/")
    assert [r.query["page"] for r in reports] == ["1", "2"]
    query = reports[0].query
    assert (query["report_type"], query["data_level"], query["service_type"]) == (
        "BASIC",
        "AUCTION_AD",
        "AUCTION",
    )
    assert json.loads(query["dimensions"]) == ["ad_id", "stat_time_day"]
    assert {"spend", "impressions", "clicks", "conversion", "total_complete_payment_rate"} <= set(
        json.loads(query["metrics"])
    )
    assert query["page_size"] == "1000"
    assert json.loads(query["filtering"])[0]["field_name"] == "ad_status"


async def test_a_75_day_range_is_read_in_30_day_windows(make_client: MakeClient, fake: FakeTikTok) -> None:
    start = date(2026, 1, 1)
    end = start + timedelta(days=74)
    rows = [row for batch in await collect(make_client(), ADV_SMALL, start, end) for row in batch]

    windows = [
        (r.query["start_date"], r.query["end_date"]) for r in requests_to(fake, "/report/integrated/get/")
    ]
    assert windows == [
        ("2026-01-01", "2026-01-30"),
        ("2026-01-31", "2026-03-01"),
        ("2026-03-02", "2026-03-16"),
    ]
    assert len(rows) == 2 * 75
    assert {r.day for r in rows} == {start + timedelta(days=d) for d in range(75)}
    assert {r.currency for r in rows} == {"USD"}


async def test_dash_metrics_count_as_zero(make_client: MakeClient, fake: FakeTikTok) -> None:
    ad = ads_of(fake, ADV_SMALL)[0]
    day = date(2026, 5, 4)
    fake.dash_days.add((ad.id, day))
    rows = [r for batch in await collect(make_client(), ADV_SMALL, day, day) for r in batch]

    dashed = next(r for r in rows if r.ad_id == ad.id)
    assert (dashed.impressions, dashed.clicks, dashed.spend_micros, dashed.conversion_value_micros) == (
        0,
        0,
        0,
        0,
    )
    assert dashed.conversions == Decimal(0)
    other = next(r for r in rows if r.ad_id != ad.id)
    assert other.spend_micros > 0


async def test_restated_day_returns_the_new_values(make_client: MakeClient, fake: FakeTikTok) -> None:
    client = make_client()
    ad = ads_of(fake, ADV_SMALL)[1]
    day = date(2026, 5, 10)
    first = next(r for b in await collect(client, ADV_SMALL, day, day) for r in b if r.ad_id == ad.id)
    assert first.spend_micros == 2_100_000

    fake.restate(ad.id, day, spend="2.35", conversion="7", total_complete_payment_rate="123.456789")
    second = next(r for b in await collect(client, ADV_SMALL, day, day) for r in b if r.ad_id == ad.id)

    assert second.spend_micros == 2_350_000
    assert second.conversions == Decimal(7)
    assert second.conversion_value_micros == 123_456_789
    assert second.impressions == first.impressions


async def test_ad_ids_map_to_campaigns_through_the_ad_list_when_the_report_lacks_them(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    fake.omit_attribute_metrics = True
    day = date(2026, 5, 1)
    rows = [r for b in await collect(make_client(), ADV, day, day) for r in b]

    ads = {e.id: e for e in ads_of(fake, ADV)}
    assert len(rows) == 36
    assert all(
        (r.campaign_id, r.ad_group_id) == (ads[r.ad_id].campaign_id, ads[r.ad_id].adgroup_id) for r in rows
    )
    assert len(requests_to(fake, "/ad/get/")) == 1


async def test_report_range_must_be_ordered(make_client: MakeClient, fake: FakeTikTok) -> None:
    with pytest.raises(InvalidRequest):
        await collect(make_client(), ADV, date(2026, 5, 2), date(2026, 5, 1))
    assert not requests_to(fake, "/report/")


# ------------------------------------------------------------------------------------------------ errors


async def test_rate_limit_backs_off_exponentially_then_succeeds(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.rate_limit(3, path="/campaign/get/")
    campaigns = await make_client().list_campaigns(ADV)
    assert len(campaigns) == 3
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(requests_to(fake, "/campaign/get/")) == 4


async def test_rate_limit_backoff_is_capped(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.rate_limit(4)
    await make_client(backoff_base_s=2.0, backoff_cap_s=5.0).list_campaigns(ADV)
    assert sleeps == [2.0, 4.0, 5.0, 5.0]


async def test_rate_limit_honours_retry_after(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.rate_limit(2, retry_after=7)
    await make_client().list_campaigns(ADV)
    assert sleeps == [7.0, 7.0]


async def test_rate_limit_retries_exhausted_raise_rate_limited(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.rate_limit(10)
    with pytest.raises(RateLimited) as caught:
        await make_client(max_retries=2).list_campaigns(ADV)
    assert sleeps == [1.0, 2.0]
    assert len(fake.requests) == 3
    assert caught.value.retry_after_s == 300.0  # TikTok's QPM penalty: pause the app for 5 minutes
    assert caught.value.scope == "app"
    assert "40100" in str(caught.value)


async def test_a_long_retry_after_is_handed_to_the_caller(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.rate_limit(1, retry_after=900)
    with pytest.raises(RateLimited) as caught:
        await make_client(backoff_cap_s=60).list_campaigns(ADV)
    assert caught.value.retry_after_s == 900.0
    assert sleeps == []


async def test_daily_quota_pauses_until_utc_midnight(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.body_errors(1, code=40100, message="The app reaches the QPD limit, please try again tomorrow.")
    with pytest.raises(RateLimited) as caught:
        await make_client().list_campaigns(ADV)
    assert 0 < caught.value.retry_after_s <= 86_400
    assert sleeps == []


async def test_revoked_token_needs_a_reconnect_without_retrying(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.revoke_token()
    with pytest.raises(ReconnectRequired, match="40105"):
        await make_client().list_campaigns(ADV)
    assert len(fake.requests) == 1 and sleeps == []


async def test_permission_and_empty_token_codes_need_a_reconnect(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    with pytest.raises(ReconnectRequired, match="40001"):  # advertiser deleted or no longer granted
        await make_client().list_campaigns("7009999999999999999")
    fake.body_errors(1, code=40104, message="Access token is null, please check your request.")
    with pytest.raises(ReconnectRequired, match="40104"):
        await make_client().list_campaigns(ADV)
    fake.body_errors(1, code=40102, message="Access token has expired.")
    with pytest.raises(ReconnectRequired, match="40102"):
        await make_client().list_campaigns(ADV)
    with pytest.raises(ReconnectRequired):
        make_client(token="")


async def test_parameter_errors_are_invalid_requests_not_retried(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.body_errors(1, code=40002, message="Please correct the information in invalid metric fields.")
    with pytest.raises(InvalidRequest, match="invalid metric fields"):
        await make_client().list_campaigns(ADV)
    assert sleeps == [] and len(fake.requests) == 1


async def test_server_errors_are_retried_then_succeed(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.server_errors(2, status=503)
    fake.body_errors(1, code=50002, message="Service error, please retry.")
    groups = await make_client().list_ad_groups(ADV)
    assert len(groups) == 6
    assert sleeps == [1.0, 2.0, 4.0]


async def test_server_errors_exhausted_raise_transient(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.server_errors(10, status=500)
    with pytest.raises(TransientPlatformError, match="HTTP 500"):
        await make_client(max_retries=1).list_ads(ADV)
    assert sleeps == [1.0]


async def test_timeouts_are_transient_and_retried(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.delay(1, 0.5, path="/advertiser/info/")
    accounts = await make_client(timeout_s=0.2).list_accounts()
    assert len(accounts) == 2
    assert sleeps == [1.0]


# ------------------------------------------------------------------------------------------------ writes


async def test_bulk_campaign_create_reports_per_item_and_creates_paused(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    fake.refuse_names.add("Taken name")
    items = [
        NewCampaign(name="Spring sale", daily_budget_micros=75_500_000),
        NewCampaign(name="Taken name", daily_budget_micros=60_000_000),
        NewCampaign(name="Zero budget", daily_budget_micros=0),
        NewCampaign(
            name="Live now",
            daily_budget_micros=90_000_000,
            objective="WEB_CONVERSIONS",
            status=Status.ENABLED,
        ),
    ]
    results = await make_client().create_campaigns(ADV, items)

    assert [r.index for r in results] == [0, 1, 2, 3]
    assert results[0].ok and results[3].ok
    assert (
        not results[1].ok and "already exists" in (results[1].error or "") and results[1].external_id is None
    )
    assert not results[2].ok and "positive" in (results[2].error or "")
    creates = requests_to(fake, "/campaign/create/")
    assert len(creates) == 3  # the invalid item was never sent
    assert creates[0].body == {
        "advertiser_id": ADV,
        "campaign_name": "Spring sale",
        "objective_type": "TRAFFIC",
        "budget_mode": "BUDGET_MODE_DAY",
        "budget": 75.5,
        "operation_status": "DISABLE",
    }
    spring = fake.find("campaign", results[0].external_id or "")
    live = fake.find("campaign", results[3].external_id or "")
    assert spring is not None and live is not None
    # The fake ignores operation_status on create (allowlist-only at TikTok): the client confirmed the pause.
    assert spring.operation_status == "DISABLE"
    assert live.operation_status == "ENABLE"
    pauses = requests_to(fake, "/campaign/status/update/")
    assert [p.body for p in pauses] == [
        {"advertiser_id": ADV, "campaign_ids": [spring.id], "operation_status": "DISABLE"}
    ]


async def test_a_create_is_not_repeated_after_a_server_error(
    make_client: MakeClient, fake: FakeTikTok, sleeps: list[float]
) -> None:
    fake.server_errors(1, path="/campaign/create/")
    results = await make_client().create_campaigns(
        ADV,
        [
            NewCampaign(name="Maybe", daily_budget_micros=50_000_000),
            NewCampaign(name="Next", daily_budget_micros=50_000_000),
        ],
    )
    assert not results[0].ok and "outcome unknown" in (results[0].error or "")
    assert results[0].kind is ErrorKind.TRANSIENT
    assert results[1].ok
    assert len(requests_to(fake, "/campaign/create/")) == 2 and sleeps == []


async def test_creates_stop_on_lost_authorisation_keeping_what_was_created(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    items = [
        NewCampaign(name=f"C{i}", daily_budget_micros=50_000_000, status=Status.ENABLED) for i in range(3)
    ]
    revoked = "Access token is incorrect or has been revoked."

    fake.body_errors(1, code=40105, message=revoked, path="/campaign/create/")
    with pytest.raises(ReconnectRequired):  # nothing created in this batch yet: the caller must reconnect
        await make_client().create_campaigns(ADV, items)

    fake.body_errors(1, code=40105, message=revoked, path="/campaign/create/", after=1)
    results = await make_client().create_campaigns(ADV, items)
    assert results[0].ok and results[0].external_id  # the id already created is kept
    assert "40105" in (results[1].error or "")
    assert (results[2].error or "").startswith("not attempted")
    assert [r.kind for r in results[1:]] == [ErrorKind.RECONNECT_REQUIRED] * 2

    fake.rate_limit(10, path="/campaign/create/", after=1)
    results = await make_client(max_retries=0).create_campaigns(ADV, items)
    assert results[0].ok and "40100" in (results[1].error or "") and not results[2].ok
    assert [r.kind for r in results[1:]] == [ErrorKind.RATE_LIMITED] * 2
    assert all(r.retry_after_s for r in results[1:])
    assert len(requests_to(fake, "/campaign/create/")) == 1 + 2 + 2


async def test_ad_groups_and_ads_created_paused_with_validation(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    campaign = next(e for e in fake.entities if e.level == "campaign" and e.name == "Daily")
    client = make_client(
        adgroup_fields={"location_ids": ["2921044"]},
        ad_fields={
            "identity_type": "CUSTOMIZED_USER",
            "identity_id": "7100000000000000001",
            "video_id": "v10033g50000",
        },
    )
    groups = await client.create_ad_groups(
        ADV,
        [
            NewAdGroup(campaign_id=campaign.id, name="Runners 25-34"),
            NewAdGroup(campaign_id="not-an-id", name="Bad"),
        ],
    )
    assert groups[0].ok and groups[0].external_id
    assert not groups[1].ok and "not a TikTok id" in (groups[1].error or "")
    sent = requests_to(fake, "/adgroup/create/")
    assert len(sent) == 1
    body = sent[0].body
    assert body["location_ids"] == ["2921044"] and body["operation_status"] == "DISABLE"
    assert body["campaign_id"] == campaign.id and body["budget_mode"] == "BUDGET_MODE_INFINITE"
    assert not requests_to(fake, "/adgroup/status/update/")  # the answer already said DISABLE

    group_id = groups[0].external_id or ""
    ads = await client.create_ads(
        ADV,
        [
            NewAd(
                group_id,
                "Spring ad",
                "https://shop.example/spring",
                ("Run",),
                ("New trail shoes, 20% off this week",),
            ),
            NewAd(group_id, "Short", "https://shop.example/", ("Too short",), ()),
            NewAd(group_id, "Long", "https://shop.example/", (), ("x" * 101,)),
            NewAd(group_id, "Wide", "https://shop.example/", (), ("新しいランニングシューズ" * 5,)),
            NewAd(group_id, "No URL", "shop.example/run", (), ("New trail shoes, 20% off this week",)),
        ],
    )
    assert ads[0].ok
    assert [r.ok for r in ads[1:]] == [False, False, False, False]
    assert "12-100" in (ads[1].error or "") and "12-100" in (
        ads[3].error or ""
    )  # 55 CJK characters count 110
    assert "URL" in (ads[4].error or "")
    (create,) = requests_to(fake, "/ad/create/")
    creative = create.body["creatives"][0]
    assert creative["ad_text"] == "New trail shoes, 20% off this week"
    assert creative["identity_id"] == "7100000000000000001" and creative["video_id"] == "v10033g50000"
    assert (
        creative["operation_status"] == "DISABLE"
        and creative["landing_page_url"] == "https://shop.example/spring"
    )
    created = fake.find("ad", ads[0].external_id or "")
    assert created is not None and created.operation_status == "DISABLE"


async def test_ad_groups_and_ads_need_the_tiktok_only_fields(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    client = make_client()
    groups = await client.create_ad_groups(ADV, [NewAdGroup(campaign_id="1800000000000000001", name="G")])
    assert "location_ids" in (groups[0].error or "")
    ads = await client.create_ads(
        ADV, [NewAd("1800000000000000001", "A", "https://x.example/", (), ("Twelve chars at least",))]
    )
    assert "identity" in (ads[0].error or "") and "video_id" in (ads[0].error or "")
    assert not requests_to(fake, "/create/")


async def test_targeting_and_creatives_from_the_normalised_fields(
    make_client: MakeClient, fake: FakeTikTok
) -> None:
    campaign = next(e for e in fake.entities if e.level == "campaign" and e.name == "Daily")
    client = make_client(ad_fields={"identity_type": "CUSTOMIZED_USER", "identity_id": "7100000000000000001"})
    groups = await client.create_ad_groups(
        ADV,
        [
            NewAdGroup(campaign.id, "DE+US 25-44", countries=("DE", "US"), age_min=25, age_max=44),
            NewAdGroup(campaign.id, "Custom region", location_ids=("2950159",), age_min=55),
            NewAdGroup(campaign.id, "Odd ages", countries=("DE",), age_min=21, age_max=30),
            NewAdGroup(campaign.id, "Nowhere known", countries=("ZZ",)),
            NewAdGroup(campaign.id, "No location"),
        ],
    )
    assert [r.kind for r in groups] == [None, None] + [ErrorKind.INVALID_REQUEST] * 3
    assert "not a union" in (groups[2].error or "") and "'ZZ'" in (groups[3].error or "")
    assert "needs locations" in (groups[4].error or "")
    first, second = (r.body for r in requests_to(fake, "/adgroup/create/"))
    assert first["location_ids"] == ["2921044", "6252001"]
    assert first["age_groups"] == ["AGE_25_34", "AGE_35_44"]
    assert second["location_ids"] == ["2950159"] and second["age_groups"] == ["AGE_55_100"]

    group_id = groups[0].external_id or ""
    text = "New trail shoes, 20% off this week"
    ads = await client.create_ads(
        ADV,
        [
            NewAd(
                group_id,
                "Video",
                "https://shop.example/v",
                (),
                (text,),
                video_id="v10033g50000",
                image_id="cover-1",
                call_to_action="SHOP_NOW",
                display_name="Acme Running",
            ),
            NewAd(
                group_id,
                "Image",
                "https://shop.example/i",
                (),
                (text,),
                image_id="img-7",
                identity_id="7100000000000000002",
            ),
            NewAd(group_id, "No media", "https://shop.example/n", (), (text,)),
        ],
    )
    assert [r.kind for r in ads] == [None, None, ErrorKind.INVALID_REQUEST]
    assert "video_id" in (ads[2].error or "")
    video, image = (r.body["creatives"][0] for r in requests_to(fake, "/ad/create/"))
    assert {
        k: video[k] for k in ("ad_format", "video_id", "image_ids", "call_to_action", "display_name")
    } == {
        "ad_format": "SINGLE_VIDEO",
        "video_id": "v10033g50000",
        "image_ids": ["cover-1"],
        "call_to_action": "SHOP_NOW",
        "display_name": "Acme Running",
    }
    assert video["identity_id"] == "7100000000000000001"  # the app's identity
    assert (
        image["ad_format"] == "SINGLE_IMAGE" and image["image_ids"] == ["img-7"] and "video_id" not in image
    )
    assert image["identity_id"] == "7100000000000000002" and image["call_to_action"] == "LEARN_MORE"


async def test_policy_refusals_are_told_apart(make_client: MakeClient, fake: FakeTikTok) -> None:
    fake.body_errors(
        1,
        code=40002,
        message="The ad text violates the advertising policy: exaggerated claims.",
        path="/campaign/create/",
    )
    results = await make_client().create_campaigns(
        ADV,
        [
            NewCampaign(name="Claims", daily_budget_micros=60_000_000),
            NewCampaign(name="Fine", daily_budget_micros=60_000_000),
        ],
    )
    assert results[0].kind is ErrorKind.POLICY and "policy" in (results[0].error or "")
    assert results[1].ok


async def test_validate_only_sends_nothing(make_client: MakeClient, fake: FakeTikTok) -> None:
    client = make_client(
        adgroup_fields={"location_ids": ["2921044"]},
        ad_fields={"identity_type": "CUSTOMIZED_USER", "identity_id": "1", "video_id": "v1"},
    )
    campaigns = await client.create_campaigns(
        ADV,
        [
            NewCampaign(name="Fine", daily_budget_micros=50_000_000),
            NewCampaign(name="Half cent", daily_budget_micros=50_005_000),
        ],
        validate_only=True,
    )
    ads = await client.create_ads(
        ADV,
        [NewAd("1800000000000000001", "A", "https://x.example/", (), ("Twelve chars at least",))],
        validate_only=True,
    )
    assert campaigns[0].ok and campaigns[0].external_id is None
    assert "cents" in (campaigns[1].error or "")
    names = await client.create_campaigns(
        ADV,
        [
            NewCampaign(name="Summer \U0001f31e sale", daily_budget_micros=50_000_000),
            NewCampaign(name="Acme\u2122 sale", daily_budget_micros=50_000_000),
            NewCampaign(name="x" * 513, daily_budget_micros=50_000_000),
        ],
        validate_only=True,
    )
    assert "emoji" in (names[0].error or "") and names[1].ok and "512" in (names[2].error or "")
    assert ads[0].ok
    assert fake.requests == []


async def test_status_updates(make_client: MakeClient, fake: FakeTikTok) -> None:
    client = make_client()
    campaign = next(e for e in fake.entities if e.level == "campaign" and e.name == "Daily")
    ad = next(e for e in fake.entities if e.level == "ad" and not e.deleted)
    group = fake.find("adgroup", ad.adgroup_id)
    assert group is not None

    await client.set_status(ADV, Level.CAMPAIGN, campaign.id, Status.PAUSED)
    await client.set_status(ADV, Level.AD_GROUP, group.id, Status.PAUSED)
    await client.set_status(ADV, Level.AD, ad.id, Status.REMOVED)
    assert campaign.operation_status == "DISABLE" and group.operation_status == "DISABLE" and ad.deleted
    bodies = [(r.path.rsplit("/", 4)[-4], r.body) for r in requests_to(fake, "/status/update/")]
    assert bodies == [
        ("campaign", {"advertiser_id": ADV, "campaign_ids": [campaign.id], "operation_status": "DISABLE"}),
        ("adgroup", {"advertiser_id": ADV, "adgroup_ids": [group.id], "operation_status": "DISABLE"}),
        ("ad", {"advertiser_id": ADV, "ad_ids": [ad.id], "operation_status": "DELETE"}),
    ]
    await client.set_status(ADV, Level.CAMPAIGN, campaign.id, Status.ENABLED)
    assert campaign.operation_status == "ENABLE"
    with pytest.raises(InvalidRequest, match="deleted"):
        await client.set_status(ADV, Level.AD, ad.id, Status.ENABLED)


async def test_daily_budget_update(make_client: MakeClient, fake: FakeTikTok) -> None:
    client = make_client()
    daily = next(e for e in fake.entities if e.level == "campaign" and e.name == "Daily")
    lifetime = next(e for e in fake.entities if e.level == "campaign" and e.name == "Lifetime")

    await client.set_daily_budget(ADV, daily.id, 80_250_000)
    assert daily.extra["budget"] == 80.25
    (update,) = requests_to(fake, "/campaign/update/")
    assert update.body == {"advertiser_id": ADV, "campaign_id": daily.id, "budget": 80.25}
    lookup = requests_to(fake, "/campaign/get/")[0]
    assert json.loads(lookup.query["filtering"])["campaign_ids"] == [daily.id]

    with pytest.raises(InvalidRequest, match="BUDGET_MODE_TOTAL"):
        await client.set_daily_budget(ADV, lifetime.id, 80_000_000)
    with pytest.raises(InvalidRequest, match="not found"):
        await client.set_daily_budget(ADV, "1899999999999999999", 80_000_000)
    with pytest.raises(InvalidRequest, match="positive"):
        await client.set_daily_budget(ADV, daily.id, -1)
    assert len(requests_to(fake, "/campaign/update/")) == 1


# ------------------------------------------------------------------------------------------------ oauth


async def test_exchange_auth_code(fake: FakeTikTok) -> None:
    authorization = await exchange_auth_code(
        AUTH_CODE, app_id=APP_ID, app_secret=APP_SECRET, base_url=fake.base_url
    )
    assert authorization.credentials.access_token == TOKEN
    assert set(authorization.advertiser_ids) == {ADV, ADV_SMALL}
    assert TOKEN not in repr(authorization)
    with pytest.raises(ReconnectRequired, match="40110") as caught:
        await exchange_auth_code(
            "stale-code-123", app_id=APP_ID, app_secret=APP_SECRET, base_url=fake.base_url
        )
    assert "stale-code-123" not in str(caught.value) and APP_SECRET not in str(caught.value)


# ------------------------------------------------------------------------------------------------ secrets


async def test_token_and_secret_never_reach_exceptions_or_logs(
    make_client: MakeClient, fake: FakeTikTok, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # litellm (imported by ai-copy's tests) quiets httpx
    raised: list[BaseException] = []

    async def expect(kind: type[BaseException], call: Any) -> None:
        with pytest.raises(kind) as caught:
            await call
        raised.append(caught.value)

    client = make_client(max_retries=1)
    await client.list_accounts()  # the app secret travels in the query string of oauth2/advertiser/get/
    fake.rate_limit(2)
    await expect(RateLimited, client.list_campaigns(ADV))
    fake.server_errors(2)
    await expect(TransientPlatformError, client.list_ads(ADV))
    fake.delay(2, 0.5)
    await expect(TransientPlatformError, make_client(max_retries=1, timeout_s=0.1).list_ads(ADV))
    fake.body_errors(1, code=40002, message=f"Invalid parameter secret={APP_SECRET} for token {TOKEN}")
    await expect(InvalidRequest, client.list_ads(ADV))
    fake.echo_token_in_errors = True
    fake.revoke_token()
    await expect(ReconnectRequired, client.list_ads(ADV))
    await expect(ReconnectRequired, client.list_accounts())

    assert "HTTP Request: GET" in caplog.text  # httpx's request lines were captured, and scrubbed
    assert "secret=[redacted]" in caplog.text
    for secret in (TOKEN, APP_SECRET):
        assert secret not in caplog.text
        assert secret not in repr(client)
        for exc in raised:
            assert secret not in str(exc)
            assert secret not in repr(exc)
            assert secret not in "".join(traceback.format_exception(exc))
