"""Google SSO against a real OpenID Connect provider on loopback (tests/fake_oidc.py) and the real auth app.

The browser is played by two HTTP clients sharing nothing but URLs: the app's ASGI client (which keeps the
AdPilot cookies) and a real httpx client that visits the provider's authorization endpoint.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_auth.config import Settings
from adpilot_auth.main import create_app
from adpilot_auth.sso.config import SsoSettings
from adpilot_auth.sso.oidc import OidcClient
from adpilot_auth.sso.service import safe_redirect
from adpilot_common.testing.plugin import running

from .conftest import ORIGIN, AuthApp
from .fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidcProvider, FakeUser, run_fake_oidc

REDIRECT_URI = "http://127.0.0.1:8000/api/auth/sso/google/callback"
BINDING_COOKIE = "adpilot_sso_state"
SSO = "/api/auth/sso/google"


@dataclass
class SsoApp(AuthApp):
    app: FastAPI
    provider: FakeOidcProvider
    browser: httpx.AsyncClient  # real HTTP, for the provider's pages

    async def start(
        self, next_path: str | None = None, client: httpx.AsyncClient | None = None
    ) -> httpx.Response:
        params = {"next": next_path} if next_path is not None else None
        response = await (client or self.client).get(f"{SSO}/start", params=params)
        assert response.status_code == 302, response.text
        return response

    async def consent(self, authorization_url: str) -> str:
        """The user approves at the provider; returns the callback path+query the browser is sent to."""
        assert authorization_url.startswith(self.provider.issuer + "/authorize?")
        response = await self.browser.get(authorization_url)
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        parts = urlsplit(location)
        return f"{parts.path}?{parts.query}"

    async def sign_in(self, next_path: str | None = None) -> httpx.Response:
        started = await self.start(next_path)
        callback = await self.consent(started.headers["location"])
        return await self.client.get(callback)

    async def sign_in_with_password(self, email: str) -> None:
        await self.register(email)
        assert (await self.login(email)).status_code == 200

    def set_client(self, client_id: str | None = CLIENT_ID, **overrides: object) -> None:
        values: dict[str, object] = {
            "client_id": client_id,
            "client_secret": CLIENT_SECRET,
            "discovery_url": self.provider.discovery_url,
            "redirect_uri": REDIRECT_URI,
            **overrides,
        }
        self.app.state.sso_client = OidcClient(SsoSettings(**values))


@pytest.fixture
async def sso_app(new_database, service_env) -> AsyncIterator[SsoApp]:
    async with run_fake_oidc() as provider:
        url = new_database("auth")
        settings = Settings(**service_env(url))
        app = create_app(settings)
        app.state.sso_settings = SsoSettings(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            discovery_url=provider.discovery_url,
            redirect_uri=REDIRECT_URI,
        )
        engine = create_async_engine(url)
        async with running(app), httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
            transport = httpx.ASGITransport(app, client=("203.0.113.7", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
                yield SsoApp(client, engine, settings, app, provider, browser)
        await engine.dispose()


def assert_problem(response: httpx.Response, status: int, title: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if title is not None:
        assert response.json()["title"] == title


def no_session_cookie(response: httpx.Response) -> bool:
    return not any(c.startswith("adpilot_refresh=") for c in response.headers.get_list("set-cookie"))


async def count(app: SsoApp, table: str) -> int:
    value = await app.scalar(f"SELECT count(*) FROM {table}")  # noqa: S608 (test-only, fixed names)
    assert isinstance(value, int)
    return value


async def _row(app: SsoApp, sql: str) -> tuple[object, ...]:
    async with app.engine.connect() as conn:
        return tuple((await conn.execute(text(sql))).one())


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


# --- sign-up and sign-in ---------------------------------------------------------------------------


async def test_first_google_sign_in_creates_account_org_and_session(sso_app: SsoApp):
    started = await sso_app.start("/campaigns?tab=active")
    authorize = urlsplit(started.headers["location"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert query["response_type"] == "code"
    assert query["scope"] == "openid email profile"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
    binding = next(c for c in started.headers.get_list("set-cookie") if c.startswith(BINDING_COOKIE + "="))
    assert "HttpOnly" in binding and "SameSite=lax" in binding and "Max-Age=600" in binding
    assert f"Path={SSO}" in binding
    # Only digests of state and the browser secret are stored, and the PKCE verifier is encrypted.
    state_digest = hashlib.sha256(query["state"].encode()).hexdigest()
    intent = await sso_app.scalar("SELECT intent FROM sso_login_states WHERE state_hash = :h", h=state_digest)
    assert intent == "login"
    assert (
        await sso_app.scalar("SELECT count(*) FROM sso_login_states WHERE state_hash = :s", s=query["state"])
        == 0
    )

    callback = await sso_app.client.get(await sso_app.consent(started.headers["location"]))
    assert callback.status_code == 302, callback.text
    assert callback.headers["location"] == "/campaigns?tab=active"
    assert callback.headers["cache-control"] == "no-store"
    cookies = callback.headers.get_list("set-cookie")
    refresh = next(c for c in cookies if c.startswith("adpilot_refresh="))
    assert "HttpOnly" in refresh and "SameSite=strict" in refresh
    assert any(c.startswith("adpilot_csrf=") for c in cookies)
    assert any(c.startswith(BINDING_COOKIE + '=""') and "Max-Age=0" in c for c in cookies)

    # The provider saw PKCE S256 verified against the challenge, the exact redirect URI and client auth.
    [token_request] = sso_app.provider.token_requests
    assert s256(token_request["code_verifier"]) == query["code_challenge"]
    assert token_request["redirect_uri"] == REDIRECT_URI
    assert sso_app.provider.token_errors == []
    stored = await sso_app.scalar("SELECT code_verifier_encrypted FROM sso_login_states")
    assert isinstance(stored, bytes) and token_request["code_verifier"].encode() not in stored

    user_id, password_hash, verified = await _row(
        sso_app, "SELECT id, password_hash, email_verified_at FROM users WHERE email = 'ada@example.com'"
    )
    assert password_hash is None and verified is not None
    assert await sso_app.scalar("SELECT role FROM memberships WHERE user_id = :u", u=user_id) == "owner"
    assert await sso_app.scalar("SELECT subject FROM sso_identities WHERE user_id = :u", u=user_id) == (
        "google-sub-1001"
    )
    assert await sso_app.scalar("SELECT count(*) FROM audit_log WHERE action = 'sso.login'") == 1
    assert await count(sso_app, "outbox_messages WHERE subject = 'user.v1.registered'") == 1
    assert await sso_app.scalar("SELECT used_at IS NOT NULL FROM sso_login_states") is True

    # The SPA turns the cookies into an access token for that user.
    refreshed = await sso_app.client.post("/api/auth/refresh", headers=sso_app.csrf_headers())
    assert refreshed.status_code == 200
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(user_id) and claims["role"] == "owner" and claims["mfa"] is False


async def test_next_sign_in_matches_by_subject_not_email(sso_app: SsoApp):
    first = await sso_app.sign_in()
    assert first.status_code == 302
    sso_app.provider.user = FakeUser(email="ada.new@example.com")  # same sub, changed address
    second = await sso_app.sign_in()
    assert second.status_code == 302 and second.headers["location"] == "/"
    assert await count(sso_app, "users") == 1
    assert await count(sso_app, "sso_identities") == 1
    assert await count(sso_app, "login_sessions") == 2
    assert await sso_app.scalar("SELECT email FROM sso_identities") == "ada.new@example.com"


async def test_sign_up_can_be_disabled(sso_app: SsoApp):
    sso_app.set_client(allow_signup=False)
    response = await sso_app.sign_in()
    assert_problem(response, 403, "Sign-up disabled")
    assert no_session_cookie(response)
    assert await count(sso_app, "users") == 0


async def test_endpoints_answer_404_when_sso_is_not_configured(sso_app: SsoApp):
    sso_app.set_client(client_id=None)
    assert_problem(await sso_app.client.get(f"{SSO}/start"), 404, "SSO not configured")
    assert_problem(await sso_app.client.get(f"{SSO}/callback?code=x&state=y"), 404, "SSO not configured")
    assert_problem(
        await sso_app.client.post(f"{SSO}/link/start", headers=sso_app.csrf_headers()),
        404,
        "SSO not configured",
    )


# --- state: single use, expiring, bound to the browser ------------------------------------------------


async def test_tampered_state_is_refused(sso_app: SsoApp):
    started = await sso_app.start()
    callback = await sso_app.consent(started.headers["location"])
    response = await sso_app.client.get(callback.replace("state=", "state=x"))
    assert_problem(response, 400, "SSO state mismatch")
    assert no_session_cookie(response)
    assert sso_app.provider.token_requests == []  # the code was never exchanged


async def test_callback_without_the_browser_cookie_is_refused_and_spends_the_state(sso_app: SsoApp):
    started = await sso_app.start()
    callback = await sso_app.consent(started.headers["location"])
    secret = sso_app.client.cookies.get(BINDING_COOKIE)
    sso_app.client.cookies.delete(BINDING_COOKIE)
    response = await sso_app.client.get(callback)
    assert_problem(response, 400, "SSO state mismatch")
    assert no_session_cookie(response)
    # Putting the cookie back does not help: the state was spent by the refused attempt.
    sso_app.client.cookies.set(BINDING_COOKIE, secret, path=SSO)
    assert_problem(await sso_app.client.get(callback), 400, "SSO state mismatch")
    assert sso_app.provider.token_requests == []
    assert await count(sso_app, "users") == 0
    assert await sso_app.scalar("SELECT changes->>'reason' FROM audit_log WHERE action = 'sso.failed'") == (
        "browser_mismatch"
    )


async def test_login_csrf_an_attackers_callback_in_the_victims_browser_is_refused(sso_app: SsoApp):
    """CVE-2025-68481: the attacker completes consent with their own Google account and sends the victim
    the callback URL, hoping to sign the victim into the attacker's account."""
    transport = httpx.ASGITransport(sso_app.app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://auth") as attacker:
        started = await sso_app.start(client=attacker)
        sso_app.provider.user = FakeUser(sub="attacker-sub", email="mallory@example.com")
        attackers_callback = await sso_app.consent(started.headers["location"])
    await sso_app.start()  # the victim has a flow of their own in progress (their own binding cookie)
    response = await sso_app.client.get(attackers_callback)
    assert_problem(response, 400, "SSO state mismatch")
    assert no_session_cookie(response)
    assert await count(sso_app, "users") == 0


async def test_replayed_state_is_refused(sso_app: SsoApp):
    started = await sso_app.start()
    callback = await sso_app.consent(started.headers["location"])
    secret = sso_app.client.cookies.get(BINDING_COOKIE)
    assert (await sso_app.client.get(callback)).status_code == 302
    sso_app.client.cookies.set(BINDING_COOKIE, secret, path=SSO)
    replay = await sso_app.client.get(callback)
    assert_problem(replay, 400, "SSO state mismatch")
    assert no_session_cookie(replay)
    assert await count(sso_app, "login_sessions") == 1


async def test_expired_state_is_refused(sso_app: SsoApp):
    started = await sso_app.start()
    callback = await sso_app.consent(started.headers["location"])
    async with sso_app.engine.begin() as conn:
        await conn.execute(text("UPDATE sso_login_states SET expires_at = now() - interval '1 second'"))
    assert_problem(await sso_app.client.get(callback), 400, "SSO state mismatch")
    assert sso_app.provider.token_requests == []


async def test_provider_error_is_refused(sso_app: SsoApp):
    started = await sso_app.start()
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    response = await sso_app.client.get(f"{SSO}/callback", params={"error": "access_denied", "state": state})
    assert_problem(response, 400, "SSO sign-in cancelled")


# --- the code exchange and the ID token --------------------------------------------------------------


@pytest.mark.parametrize(
    "misbehaviour",
    [
        {"nonce": "not-the-nonce-we-sent"},
        {"omit_nonce": True},
        {"audience": "someone-elses-client-id"},
        {"issuer": "https://evil.example"},
        {"expired": True},
        {"foreign_key": True},
    ],
    ids=["wrong-nonce", "no-nonce", "wrong-aud", "wrong-iss", "expired", "bad-signature"],
)
async def test_invalid_id_tokens_are_refused(sso_app: SsoApp, misbehaviour: dict[str, object]):
    for name, value in misbehaviour.items():
        setattr(sso_app.provider.behaviour, name, value)
    response = await sso_app.sign_in()
    assert_problem(response, 400, "Invalid ID token")
    assert no_session_cookie(response)
    assert await count(sso_app, "users") == 0
    assert await count(sso_app, "login_sessions") == 0
    reason = await sso_app.scalar("SELECT changes->>'reason' FROM audit_log WHERE action = 'sso.failed'")
    assert isinstance(reason, str) and reason.startswith("id_token:")


@pytest.mark.parametrize("verified", [False, "false", None])
async def test_unverified_google_email_is_refused(sso_app: SsoApp, verified: object):
    sso_app.provider.user = FakeUser(email_verified=verified)
    response = await sso_app.sign_in()
    assert_problem(response, 403, "Email not verified")
    assert no_session_cookie(response)
    assert await count(sso_app, "users") == 0


async def test_code_exchange_refused_by_the_provider(sso_app: SsoApp):
    sso_app.set_client(client_secret="wrong-secret")
    response = await sso_app.sign_in()
    assert_problem(response, 400, "SSO sign-in failed")
    assert sso_app.provider.token_errors == ["invalid_client"]
    assert await count(sso_app, "users") == 0


# --- existing accounts, linking and unlinking --------------------------------------------------------


async def test_google_sign_in_never_links_an_existing_password_account(sso_app: SsoApp):
    await sso_app.register("ada@example.com")
    response = await sso_app.sign_in()
    assert_problem(response, 409, "Account exists")
    assert no_session_cookie(response)
    assert await count(sso_app, "sso_identities") == 0
    assert await count(sso_app, "login_sessions") == 0
    assert (await sso_app.login("ada@example.com")).status_code == 200


async def test_signed_in_user_links_google_then_signs_in_with_it(sso_app: SsoApp):
    await sso_app.sign_in_with_password("ada@example.com")
    user_id = await sso_app.scalar("SELECT id FROM users")
    status = await sso_app.client.get(f"{SSO}/link")
    assert status.json()["linked"] is False and status.json()["has_password"] is True

    started = await sso_app.client.post(
        f"{SSO}/link/start", params={"next": "/settings/security"}, headers=sso_app.csrf_headers()
    )
    assert started.status_code == 200, started.text
    assert any(c.startswith(BINDING_COOKIE + "=") for c in started.headers.get_list("set-cookie"))
    sso_app.provider.user = FakeUser(sub="google-ada", email="ada.personal@example.com")
    callback = await sso_app.client.get(await sso_app.consent(started.json()["authorization_url"]))
    assert callback.status_code == 302 and callback.headers["location"] == "/settings/security"
    assert no_session_cookie(callback)  # linking does not start a new session
    assert await sso_app.scalar("SELECT user_id FROM sso_identities WHERE subject = 'google-ada'") == user_id
    assert await count(sso_app, "audit_log WHERE action = 'sso.linked'") == 1
    assert (await sso_app.client.get(f"{SSO}/link")).json()["email"] == "ada.personal@example.com"

    # Later, from another browser, Google signs Ada into her own account.
    transport = httpx.ASGITransport(sso_app.app, client=("203.0.113.8", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://auth") as other_browser:
        started = await sso_app.start(client=other_browser)
        response = await other_browser.get(await sso_app.consent(started.headers["location"]))
    assert response.status_code == 302
    assert await sso_app.scalar("SELECT count(*) FROM login_sessions WHERE user_id = :u", u=user_id) == 2
    assert await count(sso_app, "users") == 1


async def test_link_start_needs_csrf_and_a_live_session(sso_app: SsoApp):
    no_session = await sso_app.client.post(
        f"{SSO}/link/start", headers={"X-CSRF-Token": "t", "Origin": ORIGIN}
    )
    # The CSRF cookie is missing too, so CSRF is what refuses first.
    assert_problem(no_session, 403)
    await sso_app.sign_in_with_password("ada@example.com")
    assert_problem(await sso_app.client.post(f"{SSO}/link/start"), 403, "CSRF token missing or invalid")
    foreign = {**sso_app.csrf_headers(), "Origin": "https://evil.example"}
    assert_problem(await sso_app.client.post(f"{SSO}/link/start", headers=foreign), 403)
    await sso_app.client.post("/api/auth/logout", headers=sso_app.csrf_headers())
    sso_app.client.cookies.set("adpilot_csrf", "t")
    assert_problem(
        await sso_app.client.post(f"{SSO}/link/start", headers={"X-CSRF-Token": "t", "Origin": ORIGIN}),
        401,
    )


async def test_linking_a_google_account_that_belongs_to_someone_else_is_refused(sso_app: SsoApp):
    sso_app.provider.user = FakeUser(sub="google-bob", email="bob@example.com")
    assert (await sso_app.sign_in()).status_code == 302  # Bob signs up with Google
    sso_app.client.cookies.clear()

    await sso_app.sign_in_with_password("ada@example.com")
    started = await sso_app.client.post(f"{SSO}/link/start", headers=sso_app.csrf_headers())
    callback = await sso_app.client.get(await sso_app.consent(started.json()["authorization_url"]))
    assert_problem(callback, 409, "Google account already linked")
    ada = await sso_app.scalar("SELECT id FROM users WHERE email = 'ada@example.com'")
    assert await sso_app.scalar("SELECT count(*) FROM sso_identities WHERE user_id = :u", u=ada) == 0


async def test_unlink_is_refused_when_google_is_the_only_way_in(sso_app: SsoApp):
    assert (await sso_app.sign_in()).status_code == 302  # SSO-only account, no password
    assert_problem(await sso_app.client.delete(f"{SSO}/link"), 403)  # CSRF first
    response = await sso_app.client.delete(f"{SSO}/link", headers=sso_app.csrf_headers())
    assert_problem(response, 409, "Last sign-in method")
    assert await count(sso_app, "sso_identities") == 1


async def test_unlink_with_a_password_removes_the_identity(sso_app: SsoApp):
    await sso_app.sign_in_with_password("ada@example.com")
    started = await sso_app.client.post(f"{SSO}/link/start", headers=sso_app.csrf_headers())
    sso_app.provider.user = FakeUser(sub="google-ada", email="ada@example.com")
    assert (
        await sso_app.client.get(await sso_app.consent(started.json()["authorization_url"]))
    ).status_code == 302
    again = await sso_app.client.post(f"{SSO}/link/start", headers=sso_app.csrf_headers())
    assert_problem(again, 409, "Already linked")

    response = await sso_app.client.delete(f"{SSO}/link", headers=sso_app.csrf_headers())
    assert response.status_code == 204
    assert await count(sso_app, "sso_identities") == 0
    assert await count(sso_app, "audit_log WHERE action = 'sso.unlinked'") == 1
    assert (await sso_app.client.get(f"{SSO}/link")).json()["linked"] is False
    assert_problem(await sso_app.client.delete(f"{SSO}/link", headers=sso_app.csrf_headers()), 404)


async def test_link_requires_mfa_when_the_account_has_it(sso_app: SsoApp):
    await sso_app.sign_in_with_password("ada@example.com")
    async with sso_app.engine.begin() as conn:
        await conn.execute(text("UPDATE users SET totp_confirmed = true"))
    response = await sso_app.client.post(f"{SSO}/link/start", headers=sso_app.csrf_headers())
    assert_problem(response, 403, "MFA required")


async def test_google_is_only_the_first_factor_for_an_mfa_account(sso_app: SsoApp):
    assert (await sso_app.sign_in()).status_code == 302
    secret = pyotp.random_base32()
    box = sso_app.app.state.secret_box
    async with sso_app.engine.begin() as conn:
        await conn.execute(
            text("UPDATE users SET totp_secret_encrypted = :s, totp_confirmed = true"),
            {"s": box.encrypt(secret)},
        )
    sso_app.client.cookies.clear()

    response = await sso_app.sign_in("/reports")
    assert response.status_code == 302
    assert no_session_cookie(response)
    location = urlsplit(response.headers["location"])
    assert location.path == "/login/mfa" and not location.query  # the challenge is never sent to a server
    fragment = {k: v[0] for k, v in parse_qs(location.fragment).items()}
    assert fragment["next"] == "/reports"
    assert await count(sso_app, "login_sessions") == 1  # only the sign-up's session

    second = await sso_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": fragment["mfa_token"], "code": pyotp.TOTP(secret).now()}
    )
    assert second.status_code == 200, second.text
    claims = jwt.decode(second.json()["access_token"], options={"verify_signature": False})
    assert claims["mfa"] is True


# --- where the browser lands afterwards ------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("https://evil.example/phish", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/reports/weekly?range=7d#top", "/reports/weekly?range=7d#top"),
    ],
)
async def test_redirect_after_sign_in_stays_on_this_site(sso_app: SsoApp, next_path: str, landing: str):
    response = await sso_app.sign_in(next_path)
    assert response.status_code == 302
    assert response.headers["location"] == landing


@pytest.mark.parametrize(
    "target",
    [
        "",
        "evil.example",
        "http://evil",
        "//evil",
        "/\\evil",
        "/\tevil",
        "/ok\nSet-Cookie: x",
        "/" + "a" * 2000,
    ],
)
def test_safe_redirect_rejects_everything_but_a_local_path(target: str):
    assert safe_redirect(target) == "/"


def test_safe_redirect_keeps_local_paths():
    assert safe_redirect("/campaigns/42?x=1") == "/campaigns/42?x=1"
    assert safe_redirect(None) == "/"
