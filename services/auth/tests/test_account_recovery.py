"""Email verification, forgotten password, password change, and the password policy."""

from __future__ import annotations

import json

from .conftest import PASSWORD, AuthApp, signed_in


async def token_from_outbox(app: AuthApp, subject: str) -> str:
    payload = await app.scalar(
        "SELECT payload FROM outbox_messages WHERE subject = :s ORDER BY created_at DESC LIMIT 1", s=subject
    )
    return json.loads(payload)["data"]["token"]


async def test_registration_sends_a_single_use_verification_link(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    token = await token_from_outbox(auth_app, "user.v1.email_verification_requested")
    assert (await auth_app.client.get("/api/auth/me", headers=headers)).json()["email_verified"] is False
    assert (await auth_app.client.post("/api/auth/email/verify", json={"token": token})).status_code == 204
    assert (await auth_app.client.get("/api/auth/me", headers=headers)).json()["email_verified"] is True
    again = await auth_app.client.post("/api/auth/email/verify", json={"token": token})
    assert again.status_code == 400 and again.headers["content-type"] == "application/problem+json"
    assert await auth_app.scalar("SELECT count(*) FROM one_time_tokens WHERE token_hash = :t", t=token) == 0


async def test_forgotten_password_reset_ends_every_session(auth_app: AuthApp):
    await signed_in(auth_app, "ada@example.com")
    unknown = await auth_app.client.post("/api/auth/password/forgot", json={"email": "nobody@example.com"})
    known = await auth_app.client.post("/api/auth/password/forgot", json={"email": "ADA@example.com"})
    assert unknown.status_code == known.status_code == 202 and unknown.json() == known.json()
    token = await token_from_outbox(auth_app, "user.v1.password_reset_requested")

    weak = await auth_app.client.post(
        "/api/auth/password/reset", json={"token": token, "new_password": "password1"}
    )
    assert weak.status_code == 422  # a common password, refused; the link stays usable
    reset = await auth_app.client.post(
        "/api/auth/password/reset", json={"token": token, "new_password": "a brand new passphrase"}
    )
    assert reset.status_code == 204
    assert (
        await auth_app.client.post(
            "/api/auth/password/reset", json={"token": token, "new_password": "another passphrase!"}
        )
    ).status_code == 400
    assert (await auth_app.login("ada@example.com")).status_code == 401
    assert (await auth_app.login("ada@example.com", "a brand new passphrase")).status_code == 200
    assert (
        await auth_app.scalar("SELECT count(*) FROM login_sessions WHERE revoked_reason = 'password_reset'")
        == 1
    )
    assert (
        await auth_app.scalar(
            "SELECT count(*) FROM outbox_messages WHERE subject = 'user.v1.password_changed'"
        )
        == 1
    )


async def test_password_change_needs_the_current_one_and_can_end_other_sessions(auth_app: AuthApp):
    await signed_in(auth_app, "ada@example.com")
    second = await signed_in(auth_app, "ada@example.com")
    wrong = await auth_app.client.post(
        "/api/auth/password/change",
        json={"current_password": "guess", "new_password": "new passphrase here"},
        headers=second,
    )
    assert wrong.status_code == 401
    changed = await auth_app.client.post(
        "/api/auth/password/change",
        json={
            "current_password": PASSWORD,
            "new_password": "new passphrase here",
            "end_other_sessions": True,
        },
        headers=second,
    )
    assert changed.json() == {"other_sessions_ended": 1}
    assert await auth_app.scalar("SELECT count(*) FROM login_sessions WHERE revoked_at IS NULL") == 1


async def test_password_policy_on_sign_up(auth_app: AuthApp):
    for password in ("qwerty123", "iloveyou", "ada@example.com"):
        response = await auth_app.client.post(
            "/api/auth/register", json={"email": "ada@example.com", "password": password}
        )
        assert response.status_code == 422, password
    # Long, unusual, any characters: accepted and never truncated.
    long_password = "ünïcödé ✓ " * 20
    assert (
        await auth_app.client.post(
            "/api/auth/register", json={"email": "ada@example.com", "password": long_password}
        )
    ).status_code == 202
    assert (await auth_app.login("ada@example.com", long_password)).status_code == 200
    assert (await auth_app.login("ada@example.com", long_password[:-1])).status_code == 401
