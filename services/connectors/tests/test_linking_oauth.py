"""OAuth round trips against loopback platforms: the app hands out an authorization URL, a real HTTP client
follows it to the fake consent screen, which redirects back to the callback with a code; the app exchanges it
(authlib / the TikTok client over real sockets) and discovers the accounts with the real SDKs.

A refused callback (unknown, reused or expired state, another browser, another platform, a signed-out session,
the user declining) redirects with ``link_error`` and writes no connection and calls no token endpoint.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from sqlalchemy import text

from adpilot_connectors.credentials import unseal
from adpilot_connectors.platforms.base import Platform

from .conftest import ConnectorsApp, Tenant
from .fake_google_ads import DEVELOPER_TOKEN, FakeCustomer, FakeGoogleAds, FakeGoogleAdsServer, Fault
from .fake_graph import APP_ID as META_APP_ID
from .fake_graph import APP_SECRET as META_APP_SECRET
from .fake_oauth import (
    GOOGLE_CLIENT_ID,
    GOOGLE_CLIENT_SECRET,
    META_LONG_LIVED_S,
    FakeGoogleOAuth,
    FakeMetaOAuth,
    TikTokPortal,
    run_fake_google_oauth,
    run_fake_meta,
    run_fake_tiktok_portal,
    s256,
)
from .fake_tiktok import APP_ID as TIKTOK_APP_ID
from .fake_tiktok import APP_SECRET as TIKTOK_APP_SECRET
from .fake_tiktok import TOKEN as TIKTOK_TOKEN

BASE = "/api/connectors"
PUBLIC = "http://connectors"  # the test client's origin stands in for the gateway's public origin
MANAGER, CLIENT, DIRECT = "1110000001", "2220000002", "3330000003"
META_LOGIN = "EAAGmetaLoginTokenOfTheConsentingUser01"
META_OTHER_LOGIN = "EAAGmetaLoginTokenOfAnotherUser0000002"


# ------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def google_ads() -> Iterator[FakeGoogleAdsServer]:
    server = FakeGoogleAdsServer(FakeGoogleAds())
    previous = os.environ.get("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH")
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(server.ca_path)  # one test CA per process
    server.start()
    yield server
    server.stop()
    if previous is None:
        os.environ.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)
    else:
        os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = previous


@dataclass
class GoogleWorld:
    app: ConnectorsApp
    oauth: FakeGoogleOAuth
    ads: FakeGoogleAds


@pytest.fixture
async def google(
    google_ads: FakeGoogleAdsServer, connectors_settings: Callable[..., Any], start_connectors: Any
) -> AsyncIterator[GoogleWorld]:
    ads = FakeGoogleAds()
    ads.add_customer(
        FakeCustomer(MANAGER, "Agency MCC", "EUR", "Europe/Berlin", manager=True, clients=[CLIENT])
    )
    ads.add_customer(FakeCustomer(CLIENT, "Client US", "USD", "America/New_York"), accessible=False)
    ads.add_customer(FakeCustomer(DIRECT, "Acme DE", "EUR", "Europe/Berlin"))
    google_ads.fake = ads
    async with run_fake_google_oauth(on_issue=ads.valid_tokens.add) as oauth:
        settings = connectors_settings(
            public_base_url=PUBLIC,
            google={
                "client_id": GOOGLE_CLIENT_ID,
                "client_secret": GOOGLE_CLIENT_SECRET,
                "developer_token": DEVELOPER_TOKEN,
                "authorize_url": oauth.authorize_url,
                "token_url": oauth.token_url,
                "api_endpoint": google_ads.endpoint,
            },
        )
        async with start_connectors(settings) as app:
            yield GoogleWorld(app, oauth, ads)


@asynccontextmanager
async def meta_world(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> AsyncIterator[tuple[ConnectorsApp, FakeMetaOAuth]]:
    async with run_fake_meta(META_LOGIN) as meta:
        meta.graph.add_account("1010", META_LOGIN, name="Shop DE")
        meta.graph.add_account("2020", META_LOGIN, name="Shop AT")
        settings = connectors_settings(
            public_base_url=PUBLIC,
            meta={
                "app_id": META_APP_ID,
                "app_secret": META_APP_SECRET,
                "graph_url": meta.graph.url,
                "authorize_url": meta.dialog_url,
            },
        )
        async with start_connectors(settings) as app:
            yield app, meta


# -------------------------------------------------------------------------------------------------- helpers


@dataclass
class Consent:
    authorize: httpx.Response  # POST .../authorize
    query: dict[str, str]  # of the authorization URL
    callback: str  # where the platform sent the browser back


async def consent(app: ConnectorsApp, tenant: Tenant, platform: str) -> Consent:
    """Start linking, then let a real HTTP client open the authorization URL on the fake platform."""
    started = await app.client.post(f"{BASE}/connections/{platform}/authorize", headers=tenant.headers)
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        answer = await browser.get(url)
    assert answer.status_code == 302, answer.text
    return Consent(started, query, answer.headers["location"])


async def come_back(
    app: ConnectorsApp, callback: str, *, client: httpx.AsyncClient | None = None
) -> dict[str, str]:
    """Follow the platform's redirect to our callback (with the browser's cookies); returns our redirect's query."""
    response = await (client or app.client).get(callback)
    assert response.status_code == 303, response.text
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{PUBLIC}/accounts"
    assert response.headers["cache-control"] == "no-store"
    return {k: v[0] for k, v in parse_qs(target.query).items()}


async def execute(app: ConnectorsApp, sql: str, **params: object) -> None:
    async with app.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def connection_row(app: ConnectorsApp, connection_id: str) -> dict[str, Any]:
    (row,) = await app.rows("SELECT * FROM platform_connections WHERE id = :id", id=connection_id)
    return dict(row)


def near(value: datetime | None, expected: datetime, slack: timedelta = timedelta(minutes=2)) -> bool:
    return value is not None and abs(value - expected) < slack


# ---------------------------------------------------------------------------------------------------- Google


async def test_google_link_with_pkce_stores_encrypted_tokens_and_accounts(
    google: GoogleWorld, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app, oauth = google.app, google.oauth
    member = app.tenant("member")
    flow = await consent(app, member, "google")

    redirect_uri = f"{PUBLIC}/api/connectors/oauth/google/callback"
    q = flow.query
    assert q["client_id"] == GOOGLE_CLIENT_ID and q["redirect_uri"] == redirect_uri
    assert q["response_type"] == "code" and q["scope"] == "https://www.googleapis.com/auth/adwords"
    assert q["access_type"] == "offline" and q["prompt"] == "consent"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43 and len(q["state"]) >= 43
    cookie = flow.authorize.headers["set-cookie"]
    assert cookie.startswith("adpilot_oauth_google=")
    assert "HttpOnly" in cookie and "Path=/api/connectors/oauth" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # environment=test; Secure everywhere else
    expires_at = datetime.fromisoformat(flow.authorize.json()["expires_at"])
    assert near(expires_at, datetime.now(UTC) + timedelta(seconds=app.settings.oauth_state_ttl_s))
    # Only digests and ciphertext are stored: neither the state nor the PKCE verifier in the clear.
    (state_row,) = await app.rows("SELECT * FROM oauth_states")
    assert state_row["state_digest"] == hashlib.sha256(q["state"].encode()).hexdigest()
    assert state_row["session_id"] == member.session_id and state_row["user_id"] == member.user_id
    verifier = unseal(app.connectors.box, state_row["code_verifier_encrypted"])
    assert s256(verifier) == q["code_challenge"]

    result = await come_back(app, flow.callback)
    assert set(result) == {"linked"}
    connection_id = result["linked"]

    (exchange,) = oauth.token_requests
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code_verifier"] == verifier and exchange["redirect_uri"] == redirect_uri

    row = await connection_row(app, connection_id)
    access, refresh = oauth.issued[0], next(iter(oauth.refresh_tokens))
    assert access not in row["access_token_encrypted"] and refresh not in row["refresh_token_encrypted"]
    assert unseal(app.connectors.box, row["access_token_encrypted"]) == access
    assert unseal(app.connectors.box, row["refresh_token_encrypted"]) == refresh
    assert near(row["token_expires_at"], datetime.now(UTC) + timedelta(seconds=oauth.access_ttl_s))
    assert row["org_id"] == member.org_id and row["created_by"] == member.user_id
    assert row["status"] == "active" and row["scopes"] == "https://www.googleapis.com/auth/adwords"

    accounts = await app.rows(
        "SELECT external_id, name, currency, is_manager FROM ad_accounts "
        "WHERE connection_id = :id ORDER BY external_id",
        id=connection_id,
    )
    assert [(a["external_id"], a["currency"], a["is_manager"]) for a in accounts] == [
        (MANAGER, "EUR", True),
        (CLIENT, "USD", False),  # reached through the manager account
        (DIRECT, "EUR", False),
    ]
    listed = await app.client.get(f"{BASE}/connections", headers=member.headers)
    (connection,) = listed.json()
    assert connection["id"] == connection_id and connection["health"] == "ok" and connection["accounts"] == 3
    assert access not in listed.text and refresh not in listed.text
    assert (await app.scalar("SELECT used_at FROM oauth_states")) is not None

    # Nothing secret reached the service's log lines: tokens, the code, the verifier, the state, app secrets.
    # (The test's own "browser" requests, which log their URLs, are not the service's.)
    code = parse_qs(urlsplit(flow.callback).query)["code"][0]
    browser = (f"GET {oauth.authorize_url}?", f"GET {PUBLIC}/")
    lines = capsys.readouterr().out.splitlines() + caplog.text.splitlines()
    logged = "\n".join(line for line in lines if not any(b in line for b in browser))
    assert "platform linked" in logged and f"POST {oauth.token_url}" in logged
    secrets = (access, refresh, code, quote(code, safe=""), verifier, q["state"], GOOGLE_CLIENT_SECRET)
    for secret in (*secrets, DEVELOPER_TOKEN):
        assert secret not in logged


@dataclass(frozen=True)
class Refusal:
    name: str
    expected: str
    tamper: Callable[[GoogleWorld, Tenant, Consent], Any]


async def _reuse(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    await come_back(world.app, flow.callback)  # the first use links
    await execute(world.app, "DELETE FROM platform_connections")
    world.oauth.token_requests.clear()
    return flow.callback


async def _expire(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    await execute(world.app, "UPDATE oauth_states SET expires_at = now() - interval '1 second'")
    return flow.callback


async def _other_browser(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    world.app.client.cookies.clear()
    return flow.callback


async def _other_platform(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    # Even with the very same browser nonce under Meta's cookie name, a Google state is not Meta's.
    nonce = world.app.client.cookies.get("adpilot_oauth_google")
    assert nonce
    world.app.client.cookies.set("adpilot_oauth_meta", nonce, path="/api/connectors/oauth")
    return flow.callback.replace("/oauth/google/callback", "/oauth/meta/callback")


async def _revoked(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    world.app.app.state.auth_guard.revocations.revoke(tenant.session_id)  # the user signed out meanwhile
    return flow.callback


async def _forged_state(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    return flow.callback.replace(flow.query["state"], "forged-" + flow.query["state"][7:])


async def _no_state(world: GoogleWorld, tenant: Tenant, flow: Consent) -> str:
    code = parse_qs(urlsplit(flow.callback).query)["code"][0]
    return f"{PUBLIC}/api/connectors/oauth/google/callback?code={code}"


REFUSALS = [
    Refusal("reused state", "invalid_state", _reuse),
    Refusal("expired state", "expired_state", _expire),
    Refusal("another browser", "state_mismatch", _other_browser),
    Refusal("another platform's callback", "state_mismatch", _other_platform),
    Refusal("session revoked", "session_revoked", _revoked),
    Refusal("unknown state", "invalid_state", _forged_state),
    Refusal("no state", "invalid_state", _no_state),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.name for r in REFUSALS])
async def test_refused_callbacks_write_nothing(google: GoogleWorld, refusal: Refusal) -> None:
    member = google.app.tenant("member")
    flow = await consent(google.app, member, "google")
    callback = await refusal.tamper(google, member, flow)
    result = await come_back(google.app, callback)
    assert result == {"link_error": refusal.expected}
    assert google.oauth.token_requests == []  # the code was never exchanged
    assert await google.app.scalar("SELECT count(*) FROM platform_connections") == 0
    assert await google.app.scalar("SELECT count(*) FROM ad_accounts") == 0


async def test_a_refused_state_is_spent(google: GoogleWorld) -> None:
    member = google.app.tenant("member")
    flow = await consent(google.app, member, "google")
    nonce = google.app.client.cookies.get("adpilot_oauth_google")
    google.app.client.cookies.clear()
    assert await come_back(google.app, flow.callback) == {"link_error": "state_mismatch"}
    # The right browser coming later cannot use it any more.
    google.app.client.cookies.set("adpilot_oauth_google", nonce or "", path="/api/connectors/oauth")
    assert await come_back(google.app, flow.callback) == {"link_error": "invalid_state"}
    assert google.oauth.token_requests == []


async def test_declined_consent_links_nothing(google: GoogleWorld) -> None:
    google.oauth.deny = True
    member = google.app.tenant("member")
    flow = await consent(google.app, member, "google")
    assert "error=access_denied" in flow.callback
    assert await come_back(google.app, flow.callback) == {"link_error": "access_denied"}
    assert google.oauth.token_requests == []
    assert await google.app.scalar("SELECT count(*) FROM platform_connections") == 0


async def test_failed_account_discovery_writes_nothing(google: GoogleWorld) -> None:
    google.ads.faults.append(Fault("auth", "ListAccessibleCustomers"))
    member = google.app.tenant("member")
    flow = await consent(google.app, member, "google")
    assert await come_back(google.app, flow.callback) == {"link_error": "platform_error"}
    assert len(google.oauth.token_requests) == 1  # the code was spent, but nothing was stored
    assert await google.app.scalar("SELECT count(*) FROM platform_connections") == 0


async def test_token_endpoint_outage_is_a_platform_error(google: GoogleWorld) -> None:
    google.oauth.fail_token_requests(1)
    member = google.app.tenant("member")
    flow = await consent(google.app, member, "google")
    assert await come_back(google.app, flow.callback) == {"link_error": "platform_error"}
    assert await google.app.scalar("SELECT count(*) FROM platform_connections") == 0


async def test_a_wrong_code_verifier_is_refused_by_the_platform(google: GoogleWorld) -> None:
    member = google.app.tenant("member")
    flow = await consent(google.app, member, "google")
    # Someone swapped the stored verifier (e.g. a state row from another flow): Google refuses the code.
    other = google.app.connectors.box.encrypt("x" * 64).decode()
    await execute(google.app, "UPDATE oauth_states SET code_verifier_encrypted = :v", v=other)
    assert await come_back(google.app, flow.callback) == {"link_error": "exchange_failed"}
    assert await google.app.scalar("SELECT count(*) FROM platform_connections") == 0


# ------------------------------------------------------------------------------------------------------ Meta


async def test_meta_link_exchanges_the_code_for_a_long_lived_token(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    async with meta_world(connectors_settings, start_connectors) as (app, meta):
        member = app.tenant("member")
        flow = await consent(app, member, "meta")
        assert flow.query["client_id"] == META_APP_ID
        assert flow.query["scope"] == "ads_management,ads_read,business_management"
        assert flow.query["redirect_uri"] == f"{PUBLIC}/api/connectors/oauth/meta/callback"
        assert "code_challenge" not in flow.query  # no PKCE for Meta's web flow

        result = await come_back(app, flow.callback)
        connection_id = result["linked"]
        code_exchange, extension = meta.token_requests
        assert code_exchange["grant_type"] == "authorization_code" and code_exchange["code"]
        assert code_exchange["client_secret"] == META_APP_SECRET  # in the POST body, not in a URL
        short = next(t for t, kind in meta.issued.items() if kind == "short")
        assert extension["grant_type"] == "fb_exchange_token" and extension["fb_exchange_token"] == short

        row = await connection_row(app, connection_id)
        long = next(t for t, kind in meta.issued.items() if kind == "long")
        assert unseal(app.connectors.box, row["access_token_encrypted"]) == long
        assert row["refresh_token_encrypted"] is None
        assert near(row["token_expires_at"], datetime.now(UTC) + timedelta(seconds=META_LONG_LIVED_S))
        accounts = await app.rows("SELECT external_id, name FROM ad_accounts ORDER BY external_id")
        assert [(a["external_id"], a["name"]) for a in accounts] == [("1010", "Shop DE"), ("2020", "Shop AT")]
        assert row["label"] == "Meta: Shop DE and 1 more"


async def test_meta_declined_consent(connectors_settings: Callable[..., Any], start_connectors: Any) -> None:
    async with meta_world(connectors_settings, start_connectors) as (app, meta):
        meta.deny = True
        flow = await consent(app, app.tenant("member"), "meta")
        assert await come_back(app, flow.callback) == {"link_error": "access_denied"}
        assert meta.token_requests == []


async def test_relinking_updates_the_connection_and_moves_shared_accounts(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    async with meta_world(connectors_settings, start_connectors) as (app, meta):
        member = app.tenant("member")
        first = (await come_back(app, (await consent(app, member, "meta")).callback))["linked"]
        await execute(
            app, "UPDATE platform_connections SET status = 'reconnect_required', status_reason = 'revoked'"
        )
        await execute(app, "UPDATE ad_accounts SET metrics_synced_through = '2026-03-01'")

        # The same login again: the same connection gets the new token and is healthy again.
        again = (await come_back(app, (await consent(app, member, "meta")).callback))["linked"]
        assert again == first
        row = await connection_row(app, first)
        newest = [t for t, kind in meta.issued.items() if kind == "long"][-1]
        assert unseal(app.connectors.box, row["access_token_encrypted"]) == newest
        assert row["status"] == "active" and row["status_reason"] is None
        assert await app.scalar("SELECT count(*) FROM platform_connections") == 1
        # The accounts kept their sync state.
        assert await app.scalar("SELECT count(*) FROM ad_accounts WHERE metrics_synced_through IS NULL") == 0

        # Another login that also reaches account 2020: a second connection, and 2020 moves to it.
        meta.graph.add_account("3030", META_OTHER_LOGIN, name="Outlet")
        meta.graph.tokens[META_OTHER_LOGIN].add("act_2020")
        meta.login_token = META_OTHER_LOGIN
        second = (await come_back(app, (await consent(app, member, "meta")).callback))["linked"]
        assert second != first
        owners = {
            a["external_id"]: str(a["connection_id"])
            for a in await app.rows("SELECT external_id, connection_id FROM ad_accounts")
        }
        assert owners == {"1010": first, "2020": second, "3030": second}
        assert await app.scalar("SELECT metrics_synced_through FROM ad_accounts WHERE external_id = '2020'")

        events = await app.rows(
            "SELECT payload FROM outbox_messages WHERE subject = 'connector.v1.health_changed'"
        )
        assert len(events) == 1 and b'"health":"ok"' in bytes(events[0]["payload"])  # the relink healed it


# ---------------------------------------------------------------------------------------------------- TikTok


@asynccontextmanager
async def tiktok_world(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> AsyncIterator[tuple[ConnectorsApp, TikTokPortal]]:
    async with run_fake_tiktok_portal() as portal:
        settings = connectors_settings(
            public_base_url=PUBLIC,
            tiktok={
                "app_id": TIKTOK_APP_ID,
                "app_secret": TIKTOK_APP_SECRET,
                "base_url": portal.tiktok.base_url,
                "authorize_url": portal.authorize_url,
            },
        )
        async with start_connectors(settings) as app:
            yield app, portal


async def test_tiktok_link_exchanges_the_auth_code(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    async with tiktok_world(connectors_settings, start_connectors) as (app, portal):
        portal.tiktok.add_advertiser("7001", "Brand TT", currency="USD", timezone="America/Los_Angeles")
        portal.tiktok.add_advertiser("7002", "Brand TT EU")
        member = app.tenant("member")
        flow = await consent(app, member, "tiktok")
        assert flow.query == {
            "app_id": TIKTOK_APP_ID,
            "state": flow.query["state"],
            "redirect_uri": f"{PUBLIC}/api/connectors/oauth/tiktok/callback",
        }
        result = await come_back(app, flow.callback)
        row = await connection_row(app, result["linked"])
        assert unseal(app.connectors.box, row["access_token_encrypted"]) == TIKTOK_TOKEN
        assert row["refresh_token_encrypted"] is None and row["token_expires_at"] is None  # never expires
        exchange = [r for r in portal.tiktok.requests if r.path.endswith("/oauth2/access_token/")]
        assert len(exchange) == 1 and exchange[0].body["auth_code"] == portal_code(flow)
        accounts = await app.rows("SELECT external_id, currency, time_zone FROM ad_accounts ORDER BY 1")
        assert [tuple(a.values()) for a in accounts] == [
            ("7001", "USD", "America/Los_Angeles"),
            ("7002", "EUR", "Europe/Berlin"),
        ]
        listed = (await app.client.get(f"{BASE}/connections", headers=member.headers)).json()
        assert listed[0]["health"] == "ok" and listed[0]["platform"] == Platform.TIKTOK.value


def portal_code(flow: Consent) -> str:
    return parse_qs(urlsplit(flow.callback).query)["auth_code"][0]


async def test_tiktok_login_without_advertisers_links_nothing(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    async with tiktok_world(connectors_settings, start_connectors) as (app, _):
        flow = await consent(app, app.tenant("member"), "tiktok")
        assert await come_back(app, flow.callback) == {"link_error": "no_accounts"}
        assert await app.scalar("SELECT count(*) FROM platform_connections") == 0


async def test_tiktok_cancelled_consent(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    async with tiktok_world(connectors_settings, start_connectors) as (app, portal):
        portal.deny = True
        flow = await consent(app, app.tenant("member"), "tiktok")
        assert await come_back(app, flow.callback) == {"link_error": "access_denied"}
        assert not [r for r in portal.tiktok.requests if r.path.endswith("/oauth2/access_token/")]


async def test_oauth_flows_of_two_platforms_in_one_browser_do_not_interfere(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    async with run_fake_tiktok_portal() as portal, run_fake_meta(META_LOGIN) as meta:
        portal.tiktok.add_advertiser("7001", "Brand TT")
        meta.graph.add_account("1010", META_LOGIN, name="Shop DE")
        settings = connectors_settings(
            public_base_url=PUBLIC,
            meta={
                "app_id": META_APP_ID,
                "app_secret": META_APP_SECRET,
                "graph_url": meta.graph.url,
                "authorize_url": meta.dialog_url,
            },
            tiktok={
                "app_id": TIKTOK_APP_ID,
                "app_secret": TIKTOK_APP_SECRET,
                "base_url": portal.tiktok.base_url,
                "authorize_url": portal.authorize_url,
            },
        )
        async with start_connectors(settings) as app:
            member = app.tenant("member")
            meta_flow = await consent(app, member, "meta")
            tiktok_flow = await consent(app, member, "tiktok")  # started in a second tab
            assert "linked" in await come_back(app, tiktok_flow.callback)
            assert "linked" in await come_back(app, meta_flow.callback)
            assert await app.scalar("SELECT count(*) FROM platform_connections") == 2
