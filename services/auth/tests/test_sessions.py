"""Sign-in, tokens, refresh rotation and reuse detection, sign-out, rate limits and lockout."""

from __future__ import annotations

import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .conftest import PASSWORD, AuthApp


async def verify_with_jwks(app: AuthApp, token: str) -> dict:
    keys = (await app.client.get("/api/auth/.well-known/jwks.json")).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [k for k in keys if k["kid"] == kid]
    key = jwt.PyJWK(jwk).key
    return jwt.decode(token, key, algorithms=["EdDSA"], audience="adpilot", issuer="adpilot-auth")


async def test_login_issues_eddsa_access_token_and_httponly_refresh_cookie(auth_app: AuthApp):
    await auth_app.register("ada@example.com")
    response = await auth_app.login("ADA@example.com")
    assert response.status_code == 200
    body = response.json()
    claims = await verify_with_jwks(auth_app, body["access_token"])
    assert claims["role"] == "owner" and claims["org"] and claims["sid"] == body["session_id"]
    assert claims["exp"] - claims["iat"] == auth_app.settings.access_token_ttl_s
    assert jwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"
    cookies = response.headers.get_list("set-cookie")
    refresh = next(c for c in cookies if c.startswith("adpilot_refresh="))
    assert "HttpOnly" in refresh and "SameSite=strict" in refresh and "Path=/api/auth" in refresh
    assert response.headers["cache-control"] == "no-store"


async def test_every_login_failure_looks_the_same(auth_app: AuthApp):
    await auth_app.register("grace@example.com")
    await auth_app.register("disabled@example.com")
    async with auth_app.engine.begin() as conn:
        await conn.execute(text("UPDATE users SET disabled_at = now() WHERE email = 'disabled@example.com'"))
    unknown = await auth_app.login("nobody@example.com")
    wrong = await auth_app.login("grace@example.com", "not the password")
    disabled = await auth_app.login("disabled@example.com")
    assert unknown.status_code == wrong.status_code == disabled.status_code == 401
    assert unknown.json() == wrong.json() == disabled.json()
    failures = await auth_app.scalar("SELECT count(*) FROM audit_log WHERE action = 'login.failed'")
    assert failures == 3


async def test_refresh_rotates_and_reuse_revokes_the_whole_session(auth_app: AuthApp):
    await auth_app.register("ada@example.com")
    first = await auth_app.login("ada@example.com")
    old_refresh = auth_app.client.cookies.get("adpilot_refresh")

    rotated = await auth_app.client.post("/api/auth/refresh", headers=auth_app.csrf_headers())
    assert rotated.status_code == 200
    new_refresh = auth_app.client.cookies.get("adpilot_refresh")
    assert new_refresh != old_refresh
    assert rotated.json()["session_id"] == first.json()["session_id"]

    # The spent token comes back (stolen copy): refused, and the legitimate new token dies with the session.
    auth_app.client.cookies.set("adpilot_refresh", old_refresh, path="/api/auth")
    reused = await auth_app.client.post("/api/auth/refresh", headers=auth_app.csrf_headers())
    assert reused.status_code == 401
    auth_app.client.cookies.set("adpilot_refresh", new_refresh, path="/api/auth")
    after = await auth_app.client.post("/api/auth/refresh", headers=auth_app.csrf_headers())
    assert after.status_code == 401
    reason = await auth_app.scalar("SELECT revoked_reason FROM login_sessions")
    assert reason == "refresh_token_reuse"
    assert (
        await auth_app.scalar("SELECT count(*) FROM outbox_messages WHERE subject = 'session.v1.revoked'")
        == 1
    )


async def test_refresh_and_logout_need_csrf_token_and_allowed_origin(auth_app: AuthApp):
    await auth_app.register("ada@example.com")
    await auth_app.login("ada@example.com")
    no_token = await auth_app.client.post("/api/auth/refresh")
    assert no_token.status_code == 403
    assert no_token.headers["content-type"] == "application/problem+json"
    evil = await auth_app.client.post(
        "/api/auth/refresh", headers={**auth_app.csrf_headers(), "Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    assert (await auth_app.client.post("/api/auth/logout")).status_code == 403


async def test_logout_ends_the_session(auth_app: AuthApp):
    await auth_app.register("ada@example.com")
    await auth_app.login("ada@example.com")
    refresh_token = auth_app.client.cookies.get("adpilot_refresh")
    headers = auth_app.csrf_headers()
    assert (await auth_app.client.post("/api/auth/logout", headers=headers)).status_code == 204
    auth_app.client.cookies.set("adpilot_refresh", refresh_token, path="/api/auth")
    auth_app.client.cookies.set("adpilot_csrf", headers["X-CSRF-Token"])
    assert (await auth_app.client.post("/api/auth/refresh", headers=headers)).status_code == 401
    assert await auth_app.scalar("SELECT revoked_reason FROM login_sessions") == "logout"


async def test_failed_logins_are_rate_limited_per_ip(auth_app: AuthApp):
    limit = auth_app.settings.login_failures_per_ip_per_minute
    statuses = [(await auth_app.login("nobody@example.com")).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [401] * limit
    assert statuses[limit] == 429
    limited = await auth_app.login("nobody@example.com")
    assert 1 <= int(limited.headers["retry-after"]) <= 60


async def test_successful_logins_do_not_count_against_the_address(auth_app: AuthApp):
    """An office behind one address signs in all at once; only failures use up the address's allowance."""
    await auth_app.register("ada@example.com")
    limit = auth_app.settings.login_failures_per_ip_per_minute
    assert [(await auth_app.login("ada@example.com")).status_code for _ in range(limit + 2)] == [200] * (
        limit + 2
    )
    statuses = [(await auth_app.login("nobody@example.com")).status_code for _ in range(limit + 1)]
    assert statuses == [401] * limit + [429]
    assert (
        await auth_app.login("ada@example.com")
    ).status_code == 429  # the address is cut off, right or wrong


async def test_repeated_failures_lock_the_account_with_backoff(auth_app: AuthApp, monkeypatch):
    await auth_app.register("ada@example.com")
    auth_app.settings.login_failures_per_ip_per_minute = 1000  # isolate the per-account control
    for _ in range(auth_app.settings.lockout_threshold):
        assert (await auth_app.login("ada@example.com", "wrong password")).status_code == 401
    locked = await auth_app.login("ada@example.com")  # right password, but inside the backoff
    assert locked.status_code == 401
    assert await auth_app.scalar("SELECT locked_until > now() FROM users") is True
    reasons = await auth_app.scalar(
        "SELECT string_agg(changes->>'reason', ',' ORDER BY id) FROM audit_log WHERE action = 'login.failed'"
    )
    assert reasons.split(",")[-1] == "locked"


async def test_login_rehashes_passwords_made_with_older_parameters(auth_app: AuthApp):
    await auth_app.register("ada@example.com")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    async with auth_app.engine.begin() as conn:
        await conn.execute(text("UPDATE users SET password_hash = :h"), {"h": weak})
    assert (await auth_app.login("ada@example.com")).status_code == 200
    stored = await auth_app.scalar("SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_audit_log_rows_cannot_be_changed_or_deleted(auth_app: AuthApp):
    await auth_app.register("ada@example.com")
    await auth_app.login("ada@example.com")
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with auth_app.engine.begin() as conn:
                await conn.execute(text(statement))
    assert await auth_app.scalar("SELECT count(*) FROM audit_log") >= 1
    async with auth_app.engine.begin() as conn:
        purged = (await conn.execute(text("SELECT purge_audit_log(interval '0 seconds')"))).scalar()
    assert purged >= 1
