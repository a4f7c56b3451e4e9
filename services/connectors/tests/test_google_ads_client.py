"""The Google Ads client through the real google-ads SDK against a loopback gRPC/TLS fake (tests/fake_google_ads.py).

Back-off waits go through an injected ``sleep`` that records the delay and returns at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adpilot_connectors.platforms.base import (
    AdPlatformClient,
    Credentials,
    DailyMetric,
    ErrorKind,
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
from adpilot_connectors.platforms.google_ads import API_VERSION, GoogleAdsPlatformClient, rsa_problems

from .fake_google_ads import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DEVELOPER_TOKEN,
    REFRESH_TOKEN,
    REFRESHED_TOKEN,
    FakeCustomer,
    FakeGoogleAds,
    FakeGoogleAdsServer,
    FakeTokenEndpoint,
    Fault,
)

MANAGER = "1110000001"
CLIENT = "2220000002"  # reachable only through MANAGER
DIRECT = "3330000003"
SECRETS = (ACCESS_TOKEN, REFRESHED_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, DEVELOPER_TOKEN)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGoogleAdsServer]:
    srv = FakeGoogleAdsServer(FakeGoogleAds())
    # gRPC reads its default roots once per process: one CA for the whole module.
    previous = os.environ.get("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH")
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(srv.ca_path)
    srv.start()
    yield srv
    srv.stop()
    if previous is None:
        os.environ.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)
    else:
        os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = previous


@pytest.fixture(scope="module")
def token_endpoint() -> Iterator[FakeTokenEndpoint]:
    endpoint = FakeTokenEndpoint().start()
    yield endpoint
    endpoint.stop()


class Seeded:
    def __init__(self, fake: FakeGoogleAds) -> None:
        self.fake = fake
        fake.add_customer(
            FakeCustomer(MANAGER, "Agency MCC", "EUR", "Europe/Berlin", manager=True, clients=[CLIENT])
        )
        fake.add_customer(FakeCustomer(CLIENT, "Client US", "USD", "America/New_York"), accessible=False)
        fake.add_customer(FakeCustomer(DIRECT, "Acme DE", "EUR", "Europe/Berlin"))
        self.c1 = fake.add_campaign(DIRECT, "Brand", budget_micros=25_000_000)
        self.c2 = fake.add_campaign(DIRECT, "Generic", budget_micros=10_000_000, status="PAUSED")
        self.g1 = fake.add_ad_group(DIRECT, self.c1, "Brand exact")
        self.g2 = fake.add_ad_group(DIRECT, self.c2, "Generic broad", status="PAUSED")
        self.a1 = fake.add_ad(
            DIRECT,
            self.g1,
            "RSA 1",
            headlines=["Acme shoes", "Free shipping", "Shop now"],
            descriptions=["Best shoes in town.", "Order today."],
            final_url="https://acme.example/shoes",
        )
        self.a2 = fake.add_ad(
            DIRECT,
            self.g2,
            "RSA 2",
            headlines=["A", "B", "C"],
            descriptions=["D", "E"],
            final_url="https://acme.example/",
            status="PAUSED",
        )
        fake.set_metric(
            self.a1,
            "2026-03-01",
            impressions=1000,
            clicks=50,
            cost_micros=12_340_000,
            conversions=1.5,
            conversions_value=12.34,
        )
        fake.set_metric(
            self.a1,
            "2026-03-02",
            impressions=800,
            clicks=40,
            cost_micros=9_990_000,
            conversions=2.0,
            conversions_value=99.99,
        )
        fake.set_metric(
            self.a2,
            "2026-03-01",
            impressions=10,
            clicks=1,
            cost_micros=500_000,
            conversions=0.0,
            conversions_value=0.0,
        )
        self.cc = fake.add_campaign(CLIENT, "Client campaign", budget_micros=5_000_000)
        self.cg = fake.add_ad_group(CLIENT, self.cc, "Client group")
        self.ca = fake.add_ad(
            CLIENT,
            self.cg,
            "Client RSA",
            headlines=["One", "Two", "Three"],
            descriptions=["Four", "Five"],
            final_url="https://client.example/",
        )
        fake.set_metric(
            self.ca,
            "2026-03-01",
            impressions=5,
            clicks=2,
            cost_micros=1_230_000,
            conversions=1.0,
            conversions_value=7.5,
        )


@pytest.fixture
def seeded(server: FakeGoogleAdsServer) -> Seeded:
    fake = FakeGoogleAds()
    server.fake = fake
    return Seeded(fake)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make(
    server: FakeGoogleAdsServer, sleeps: Sleeps
) -> AsyncIterator[Callable[..., GoogleAdsPlatformClient]]:
    made: list[GoogleAdsPlatformClient] = []

    def factory(credentials: Credentials | None = None, **kwargs: Any) -> GoogleAdsPlatformClient:
        kwargs.setdefault("developer_token", DEVELOPER_TOKEN)
        kwargs.setdefault("endpoint", server.endpoint)
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("timeout_s", 20.0)
        client = GoogleAdsPlatformClient(credentials or Credentials(access_token=ACCESS_TOKEN), **kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()


async def collect(
    client: GoogleAdsPlatformClient, account: str, start: date, end: date
) -> list[list[DailyMetric]]:
    return [batch async for batch in client.fetch_daily_metrics(account, start, end)]


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# ------------------------------------------------------------------------------------------------ happy path


async def test_conforms_to_protocol(make: Callable[..., GoogleAdsPlatformClient]) -> None:
    client: AdPlatformClient = make()
    assert client.platform == Platform.GOOGLE
    assert API_VERSION == "v26"
    assert_no_secret(repr(client))


async def test_accounts_include_manager_clients_with_login_customer_id(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make()
    accounts = {a.external_id: a for a in await client.list_accounts()}
    assert set(accounts) == {MANAGER, CLIENT, DIRECT}
    assert accounts[MANAGER].is_manager and not accounts[DIRECT].is_manager
    assert (accounts[CLIENT].currency, accounts[CLIENT].time_zone, accounts[CLIENT].name) == (
        "USD",
        "America/New_York",
        "Client US",
    )
    assert accounts[DIRECT].status == Status.ENABLED
    client_queries = [c for c in seeded.fake.calls if "customer_client" in c.get("query", "")]
    assert client_queries and client_queries[0]["login"] == MANAGER

    # The client is only reachable with the manager as login-customer-id; the fake refuses anything else.
    campaigns = await client.list_campaigns(CLIENT)
    assert [c.name for c in campaigns] == ["Client campaign"]
    assert seeded.fake.calls[-1]["login"] == MANAGER
    metrics = [
        m for batch in await collect(client, CLIENT, date(2026, 3, 1), date(2026, 3, 1)) for m in batch
    ]
    assert [(m.currency, m.spend_micros, m.conversion_value_micros) for m in metrics] == [
        ("USD", 1_230_000, 7_500_000)
    ]


async def test_explicit_login_customer_id_is_sent(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make(Credentials(access_token=ACCESS_TOKEN, login_customer_id="111-000-0001"))
    ads = await client.list_ads(CLIENT)
    assert [a.name for a in ads] == ["Client RSA"]
    assert seeded.fake.calls[-1]["login"] == MANAGER


async def test_entities(seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]) -> None:
    client = make()
    campaigns = {c.external_id: c for c in await client.list_campaigns(DIRECT)}
    assert campaigns[seeded.c1].daily_budget_micros == 25_000_000
    assert campaigns[seeded.c1].status == Status.ENABLED and campaigns[seeded.c2].status == Status.PAUSED
    assert campaigns[seeded.c1].objective == "SEARCH" and campaigns[seeded.c1].account_id == DIRECT
    groups = {g.external_id: g for g in await client.list_ad_groups(DIRECT)}
    assert groups[seeded.g1].campaign_id == seeded.c1 and groups[seeded.g2].status == Status.PAUSED
    ads = {a.external_id: a for a in await client.list_ads(DIRECT)}
    assert ads[seeded.a1].headlines == ("Acme shoes", "Free shipping", "Shop now")
    assert ads[seeded.a1].descriptions == ("Best shoes in town.", "Order today.")
    assert ads[seeded.a1].final_url == "https://acme.example/shoes"
    assert ads[seeded.a1].ad_group_id == seeded.g1 and ads[seeded.a2].status == Status.PAUSED


async def test_metrics_in_micros(seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]) -> None:
    client = make()
    batches = await collect(client, DIRECT, date(2026, 3, 1), date(2026, 3, 2))
    rows = {(m.ad_id, m.day): m for batch in batches for m in batch}
    first = rows[(seeded.a1, date(2026, 3, 1))]
    assert (first.impressions, first.clicks, first.spend_micros) == (1000, 50, 12_340_000)
    assert first.conversions == Decimal("1.5") and first.conversion_value_micros == 12_340_000
    assert (first.campaign_id, first.ad_group_id, first.currency, first.account_id) == (
        seeded.c1,
        seeded.g1,
        "EUR",
        DIRECT,
    )
    assert rows[(seeded.a1, date(2026, 3, 2))].conversion_value_micros == 99_990_000
    assert len(rows) == 3
    query = next(c["query"] for c in reversed(seeded.fake.calls) if "segments.date" in c.get("query", ""))
    assert "BETWEEN '2026-03-01' AND '2026-03-02'" in query and "metrics.conversions_value" in query


async def test_metrics_batches_and_windows(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    for day in range(3, 8):
        seeded.fake.set_metric(seeded.a1, f"2026-03-0{day}", impressions=day, cost_micros=day * 10_000)
    client = make(metrics_batch_size=2, metrics_window_days=3)
    batches = await collect(client, DIRECT, date(2026, 3, 1), date(2026, 3, 7))
    assert all(1 <= len(b) <= 2 for b in batches)
    assert sum(len(b) for b in batches) == 8
    windows = [c["query"] for c in seeded.fake.calls if "segments.date" in c.get("query", "")]
    assert len(windows) == 3 and "'2026-03-07' AND '2026-03-07'" in windows[-1]


async def test_manager_accounts_have_no_metrics(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make()
    assert await collect(client, MANAGER, date(2026, 3, 1), date(2026, 3, 2)) == []
    assert not any("segments.date" in c.get("query", "") for c in seeded.fake.calls)


async def test_restated_metrics_are_read_again(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make()
    day = date(2026, 3, 1)
    before = {m.ad_id: m for b in await collect(client, DIRECT, day, day) for m in b}
    seeded.fake.set_metric(seeded.a1, "2026-03-01", conversions=3.25, conversions_value=40.1)
    after = {m.ad_id: m for b in await collect(client, DIRECT, day, day) for m in b}
    assert before[seeded.a1].conversions == Decimal("1.5")
    assert (
        after[seeded.a1].conversions == Decimal("3.25")
        and after[seeded.a1].conversion_value_micros == 40_100_000
    )
    assert after[seeded.a1].spend_micros == before[seeded.a1].spend_micros  # cost matched, value drifted
    assert set(after) == set(before)  # the same keys: the caller upserts


# ---------------------------------------------------------------------------------------------------- errors


async def test_quota_error_honours_retry_delay(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient], sleeps: Sleeps
) -> None:
    seeded.fake.faults.append(Fault("quota", "SearchStream", retry_delay_s=30))
    campaigns = await make().list_campaigns(DIRECT)
    assert len(campaigns) == 2 and sleeps == [30.0]


async def test_long_quota_wait_raises_rate_limited_for_the_developer_token(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient], sleeps: Sleeps
) -> None:
    seeded.fake.faults.append(Fault("quota", "SearchStream", retry_delay_s=40591))
    with pytest.raises(RateLimited) as info:
        await make().list_campaigns(DIRECT)
    assert info.value.retry_after_s == 40591 and info.value.scope == "developer_token"
    assert "quota_error.RESOURCE_EXHAUSTED" in str(info.value) and sleeps == []
    assert_no_secret(str(info.value))


async def test_auth_error_requires_reconnect_and_hides_the_token(
    seeded: Seeded,
    make: Callable[..., GoogleAdsPlatformClient],
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seeded.fake.faults.append(Fault("auth"))
    with pytest.raises(ReconnectRequired) as info:
        await make().list_accounts()
    assert "OAUTH_TOKEN_REVOKED" in str(info.value) and sleeps == []
    assert_no_secret(str(info.value))
    assert info.value.__cause__ is None
    assert_no_secret(caplog.text)

    seeded.fake.faults.append(Fault("permission", "SearchStream"))
    with pytest.raises(ReconnectRequired, match="USER_PERMISSION_DENIED"):
        await make().list_ads(DIRECT)


async def test_wrong_access_token_requires_reconnect(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    with pytest.raises(ReconnectRequired) as info:
        await make(Credentials(access_token="ya29.WRONG-TOKEN")).list_campaigns(DIRECT)
    assert "OAUTH_TOKEN_INVALID" in str(info.value) and "WRONG-TOKEN" not in str(info.value)


async def test_transient_error_then_success(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient], sleeps: Sleeps
) -> None:
    seeded.fake.faults += [Fault("transient", "SearchStream"), Fault("unavailable", "SearchStream")]
    groups = await make().list_ad_groups(DIRECT)
    assert len(groups) == 2 and sleeps == [1.0, 2.0]


async def test_transient_errors_give_up_after_max_retries(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient], sleeps: Sleeps
) -> None:
    seeded.fake.faults += [Fault("transient", "SearchStream") for _ in range(3)]
    with pytest.raises(TransientPlatformError, match="TRANSIENT_ERROR"):
        await make(max_retries=2).list_campaigns(DIRECT)
    assert sleeps == [1.0, 2.0]


async def test_creates_are_not_retried_on_transient_errors(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient], sleeps: Sleeps
) -> None:
    seeded.fake.faults.append(Fault("unavailable", "Mutate"))
    with pytest.raises(TransientPlatformError):
        await make().create_ad_groups(DIRECT, [NewAdGroup(campaign_id=seeded.c1, name="x")])
    assert sleeps == []


# ---------------------------------------------------------------------------------------------------- writes


async def test_bulk_campaign_create_with_partial_failure(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make()
    results = await client.create_campaigns(
        DIRECT,
        [
            NewCampaign(name="Spring sale", daily_budget_micros=15_000_000),
            NewCampaign(name="Brand", daily_budget_micros=5_000_000),  # duplicate name: refused by Google
            NewCampaign(name="Odd budget", daily_budget_micros=1_234_567),  # refused before sending
            NewCampaign(name="Summer", daily_budget_micros=20_000_000, objective="search"),
        ],
    )
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert results[0].ok and results[3].ok and results[0].external_id and results[3].external_id
    assert not results[1].ok and "DUPLICATE_CAMPAIGN_NAME" in (results[1].error or "")
    assert not results[2].ok and "10,000 micros" in (results[2].error or "")
    assert [r.kind for r in results] == [None, ErrorKind.INVALID_REQUEST, ErrorKind.INVALID_REQUEST, None]
    call = seeded.fake.calls[-1]
    assert call["partial_failure"] is True and call["operations"] == 6  # budget + campaign for 3 items
    created = seeded.fake.campaigns[results[0].external_id or ""]
    assert (
        created["status"] == "PAUSED"
        and seeded.fake.budgets[created["budget"]]["amount_micros"] == 15_000_000
    )
    campaigns = {c.external_id: c for c in await client.list_campaigns(DIRECT)}
    assert campaigns[results[3].external_id or ""].daily_budget_micros == 20_000_000


async def test_validate_only_writes_nothing(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make()
    before = (dict(seeded.fake.campaigns), dict(seeded.fake.budgets), dict(seeded.fake.ad_groups))
    results = await client.create_campaigns(
        DIRECT,
        [
            NewCampaign(name="Dry run", daily_budget_micros=1_000_000),
            NewCampaign(name="Brand", daily_budget_micros=1_000_000),
        ],
        validate_only=True,
    )
    assert results[0].ok and results[0].external_id is None
    assert "DUPLICATE_CAMPAIGN_NAME" in (results[1].error or "")
    groups = await client.create_ad_groups(
        DIRECT, [NewAdGroup(campaign_id=seeded.c1, name="G")], validate_only=True
    )
    assert groups[0].ok and groups[0].external_id is None
    assert seeded.fake.calls[-1]["validate_only"] is True
    assert (seeded.fake.campaigns, seeded.fake.budgets, seeded.fake.ad_groups) == before


async def test_create_ad_groups_and_rsa_ads(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    client = make()
    groups = await client.create_ad_groups(
        DIRECT,
        [NewAdGroup(campaign_id=seeded.c1, name="New group"), NewAdGroup(campaign_id="999", name="Orphan")],
    )
    assert groups[0].ok and "RESOURCE_NOT_FOUND" in (groups[1].error or "")
    group_id = groups[0].external_id or ""
    assert seeded.fake.ad_groups[group_id]["status"] == "PAUSED"
    good = NewAd(
        ad_group_id=group_id,
        name="RSA new",
        final_url="https://acme.example/new",
        headlines=("Headline one", "Headline two", "Headline three"),
        descriptions=("Description one.", "Description two."),
        path1="shoes",
        path2="sale",
    )
    too_few = NewAd(
        ad_group_id=group_id,
        name="x",
        final_url="https://a.example",
        headlines=("a", "b"),
        descriptions=("c", "d"),
    )
    too_long = NewAd(
        ad_group_id=group_id,
        name="y",
        final_url="https://a.example",
        headlines=("a" * 31, "b", "c"),
        descriptions=("d" * 91, "e"),
        path1="p" * 16,
    )
    results = await client.create_ads(DIRECT, [good, too_few, too_long])
    assert results[0].ok and results[0].external_id
    assert "3-15 headlines" in (results[1].error or "")
    assert all(s in (results[2].error or "") for s in ("headline 1", "description 1", "path1"))
    assert seeded.fake.calls[-1]["operations"] == 1  # invalid ads were not sent
    stored = seeded.fake.ads[results[0].external_id or ""]
    assert stored["headlines"] == list(good.headlines) and stored["final_urls"] == [good.final_url]
    ads = {a.external_id: a for a in await client.list_ads(DIRECT)}
    assert ads[results[0].external_id or ""].status == Status.PAUSED


async def test_policy_refusals_and_dry_runs_of_ads(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    seeded.fake.policy_terms = {"miracle"}
    client = make()

    def rsa(name: str, *headlines: str) -> NewAd:
        return NewAd(
            ad_group_id=seeded.g1,
            name=name,
            final_url="https://acme.example/shoes",
            headlines=headlines or ("Acme shoes", "Free shipping", "Shop now"),
            descriptions=("Best shoes in town.", "Order today."),
            call_to_action="SHOP_NOW",  # Meta/TikTok only: an RSA has none, nothing is sent for it
            image_url="https://acme.example/shoe.png",
        )

    items = [rsa("Fine"), rsa("Claims", "Miracle shoes", "Free shipping", "Shop now"), rsa("Short", "A", "B")]
    ads_before = dict(seeded.fake.ads)
    dry = await client.create_ads(DIRECT, items, validate_only=True)
    assert [(r.ok, r.external_id) for r in dry] == [(True, None), (False, None), (False, None)]
    assert seeded.fake.ads == ads_before and seeded.fake.calls[-1]["validate_only"] is True

    results = await client.create_ads(DIRECT, items)
    assert [r.kind for r in results] == [None, ErrorKind.POLICY, ErrorKind.INVALID_REQUEST]
    assert "policy_finding_error.POLICY_FINDING" in (results[1].error or "")
    assert seeded.fake.calls[-1]["operations"] == 2  # the short one was refused before sending
    assert set(seeded.fake.ads) - set(ads_before) == {results[0].external_id}


async def test_ad_group_targeting_is_refused_not_dropped(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    calls = len(seeded.fake.calls)
    results = await make().create_ad_groups(
        DIRECT,
        [
            NewAdGroup(campaign_id=seeded.c1, name="DE only", countries=("DE",)),
            NewAdGroup(campaign_id=seeded.c1, name="Young", age_min=18, age_max=24),
        ],
    )
    assert all(r.kind is ErrorKind.INVALID_REQUEST and "per campaign" in (r.error or "") for r in results)
    assert len(seeded.fake.calls) == calls  # nothing sent


def test_rsa_limits_count_wide_characters_twice() -> None:
    ad = NewAd(
        ad_group_id="1",
        name="n",
        final_url="https://a.example",
        headlines=("靴" * 16, "b", "c"),
        descriptions=("d", "e"),
    )
    assert rsa_problems(ad) == ["headline 1 is longer than 30 characters"]


async def test_set_status_and_budget(seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]) -> None:
    client = make()
    await client.set_status(DIRECT, Level.CAMPAIGN, seeded.c2, Status.ENABLED)
    await client.set_status(DIRECT, Level.AD_GROUP, seeded.g1, Status.PAUSED)
    await client.set_status(DIRECT, Level.AD, seeded.a2, Status.REMOVED)
    assert seeded.fake.campaigns[seeded.c2]["status"] == "ENABLED"
    assert seeded.fake.ad_groups[seeded.g1]["status"] == "PAUSED"
    assert seeded.fake.ads[seeded.a2]["status"] == "REMOVED"
    await client.set_daily_budget(DIRECT, seeded.c1, 42_000_000)
    campaigns = {c.external_id: c for c in await client.list_campaigns(DIRECT)}
    assert campaigns[seeded.c1].daily_budget_micros == 42_000_000
    assert seeded.fake.calls[-2]["partial_failure"] is False


async def test_failed_update_is_invalid_request(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient]
) -> None:
    from adpilot_connectors.platforms.base import InvalidRequest

    with pytest.raises(InvalidRequest, match="RESOURCE_NOT_FOUND"):
        await make().set_status(DIRECT, Level.CAMPAIGN, "424242", Status.PAUSED)


# ------------------------------------------------------------------------------------------------- OAuth refresh


async def test_expired_token_is_refreshed_through_the_token_endpoint(
    seeded: Seeded, make: Callable[..., GoogleAdsPlatformClient], token_endpoint: FakeTokenEndpoint
) -> None:
    token_endpoint.revoked = False
    expired = Credentials(
        access_token="ya29.EXPIRED",
        refresh_token=REFRESH_TOKEN,
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )
    client = make(expired, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_uri=token_endpoint.url)
    assert len(await client.list_campaigns(DIRECT)) == 2
    assert token_endpoint.requests[-1]["grant_type"] == "refresh_token"
    refreshed = client.current_credentials()
    assert (
        refreshed.access_token == REFRESHED_TOKEN
        and refreshed.expires_at
        and refreshed.expires_at > datetime.now(UTC)
    )


async def test_revoked_refresh_token_requires_reconnect(
    seeded: Seeded,
    make: Callable[..., GoogleAdsPlatformClient],
    token_endpoint: FakeTokenEndpoint,
    sleeps: Sleeps,
) -> None:
    token_endpoint.revoked = True
    expired = Credentials(
        access_token="ya29.EXPIRED",
        refresh_token=REFRESH_TOKEN,
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )
    client = make(expired, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_uri=token_endpoint.url)
    try:
        with pytest.raises(ReconnectRequired) as info:
            await client.list_campaigns(DIRECT)
    finally:
        token_endpoint.revoked = False
    assert_no_secret(str(info.value))
    assert sleeps == []
