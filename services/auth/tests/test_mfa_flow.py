"""TOTP enrolment with QR, the two-step sign-in, replay refusal, recovery codes, rate limits, org policy."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pyotp

from .conftest import PASSWORD, AuthApp, signed_in


async def enable_mfa(app: AuthApp, headers: dict[str, str]) -> tuple[pyotp.TOTP, list[str]]:
    enrolment = await app.client.post(
        "/api/auth/mfa/totp/enrol", json={"password": PASSWORD}, headers=headers
    )
    assert enrolment.status_code == 200, enrolment.text
    body = enrolment.json()
    assert body["provisioning_uri"].startswith("otpauth://totp/AdPilot:")
    png = base64.b64decode(body["qr_png_data_uri"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    totp = pyotp.TOTP(body["secret"])
    confirmed = await app.client.post(
        "/api/auth/mfa/totp/confirm", json={"code": totp.now()}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return totp, codes


def code_at(totp: pyotp.TOTP, steps_ahead: int) -> str:
    return totp.at(time.time() + 30 * steps_ahead)


async def test_mfa_sign_in_accepts_each_code_once(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    totp, _ = await enable_mfa(auth_app, headers)
    assert (
        await auth_app.scalar("SELECT totp_secret_encrypted IS NOT NULL AND totp_confirmed FROM users")
        is True
    )
    stored = await auth_app.scalar("SELECT totp_secret_encrypted FROM users")
    assert totp.secret.encode() not in stored  # encrypted at rest

    first = await auth_app.login("ada@example.com")
    assert first.json().get("mfa_required") is True, first.text
    assert "access_token" not in first.json()
    assert "set-cookie" not in first.headers  # no session before the second factor
    code = code_at(totp, 1)  # the next step: the current one was spent confirming the enrolment
    ok = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": first.json()["mfa_token"], "code": code}
    )
    assert ok.status_code == 200
    assert jwt.decode(ok.json()["access_token"], options={"verify_signature": False})["mfa"] is True

    again = await auth_app.login("ada@example.com")
    replay = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": again.json()["mfa_token"], "code": code}
    )
    assert replay.status_code == 401  # the same code, replayed within its window
    assert await auth_app.scalar("SELECT count(*) FROM audit_log WHERE action = 'login.mfa_failed'") == 1
    # Filed where the sign-in would have started, so the org's admins see it.
    [org] = (await auth_app.client.get("/api/auth/orgs", headers=headers)).json()
    assert (
        await auth_app.scalar("SELECT org_id::text FROM audit_log WHERE action = 'login.mfa_failed'")
        == org["id"]
    )


async def test_recovery_codes_are_single_use(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    _, codes = await enable_mfa(auth_app, headers)
    challenge = (await auth_app.login("ada@example.com")).json()["mfa_token"]
    used = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": challenge, "code": codes[0].upper()}
    )
    assert used.status_code == 200
    challenge = (await auth_app.login("ada@example.com")).json()["mfa_token"]
    reused = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": challenge, "code": codes[0]}
    )
    assert reused.status_code == 401
    assert await auth_app.scalar("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL") == 9
    assert codes[0] not in str(await auth_app.scalar("SELECT string_agg(code_hash, ',') FROM recovery_codes"))


async def test_code_guessing_is_rate_limited(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    totp, _ = await enable_mfa(auth_app, headers)
    challenge = (await auth_app.login("ada@example.com")).json()["mfa_token"]
    statuses = []
    for _ in range(auth_app.settings.mfa_max_attempts_per_5min + 1):
        response = await auth_app.client.post(
            "/api/auth/login/mfa", json={"mfa_token": challenge, "code": "000000"}
        )
        statuses.append(response.status_code)
    assert 429 in statuses
    right = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": challenge, "code": code_at(totp, 1)}
    )
    assert right.status_code == 429  # even the right code waits out the window


async def test_disabling_mfa_needs_password_and_current_code(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    totp, _ = await enable_mfa(auth_app, headers)
    no_code = await auth_app.client.post(
        "/api/auth/mfa/disable", json={"password": PASSWORD}, headers=headers
    )
    assert no_code.status_code == 401
    wrong_pw = await auth_app.client.post(
        "/api/auth/mfa/disable", json={"password": "nope", "code": code_at(totp, 1)}, headers=headers
    )
    assert wrong_pw.status_code == 401
    disabled = await auth_app.client.post(
        "/api/auth/mfa/disable", json={"password": PASSWORD, "code": code_at(totp, 1)}, headers=headers
    )
    assert disabled.status_code == 204
    assert "access_token" in (await auth_app.login("ada@example.com")).json()
    actions = await auth_app.scalar(
        "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action LIKE 'mfa.%'"
    )
    assert actions == "mfa.enrolment_started,mfa.enabled,mfa.disabled"


async def test_an_org_can_require_mfa(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    [org] = (await auth_app.client.get("/api/auth/orgs", headers=headers)).json()
    assert (
        await auth_app.client.patch(
            f"/api/auth/orgs/{org['id']}", json={"require_mfa": True}, headers=headers
        )
    ).status_code == 200
    token = (await auth_app.login("ada@example.com")).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["org"] is None and claims["role"] is None  # no acting for the org without MFA
    fresh = {"Authorization": f"Bearer {token}"}
    totp, _ = await enable_mfa(auth_app, fresh)  # enrolment still works without an org
    challenge = (await auth_app.login("ada@example.com")).json()["mfa_token"]
    ok = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": challenge, "code": code_at(totp, 1)}
    )
    assert jwt.decode(ok.json()["access_token"], options={"verify_signature": False})["org"] == org["id"]


async def test_mfa_changes_are_filed_in_the_callers_org_audit_log(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    await enable_mfa(auth_app, headers)
    [org] = (await auth_app.client.get("/api/auth/orgs", headers=headers)).json()
    page = (
        await auth_app.client.get(
            f"/api/auth/orgs/{org['id']}/audit", params={"action": "mfa."}, headers=headers
        )
    ).json()
    assert [i["action"] for i in page["items"]] == ["mfa.enabled", "mfa.enrolment_started"]


async def test_switching_to_an_org_that_requires_mfa_says_so(auth_app: AuthApp):
    owner = await signed_in(auth_app, "owner@example.com")
    [strict] = (await auth_app.client.get("/api/auth/orgs", headers=owner)).json()
    await auth_app.client.patch(f"/api/auth/orgs/{strict['id']}", json={"require_mfa": True}, headers=owner)
    await auth_app.client.post(
        f"/api/auth/orgs/{strict['id']}/invitations", json={"email": "bob@example.com"}, headers=owner
    )
    token = json.loads(
        await auth_app.scalar("SELECT payload FROM outbox_messages WHERE subject = 'user.v1.invited'")
    )["data"]["token"]
    bob = await signed_in(auth_app, "bob@example.com")
    joined = await auth_app.client.post(
        "/api/auth/orgs/invitations/accept", json={"token": token}, headers=bob
    )
    assert joined.status_code == 200

    refused = await auth_app.client.post(f"/api/auth/orgs/{strict['id']}/switch", headers=bob)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"] == "https://adpilot.dev/problems/org-requires-mfa"
    assert problem["org_id"] == strict["id"]
    assert "requires two-factor authentication" in problem["detail"] and "set up" in problem["detail"]
    # Bob's session stays in his own org: a refreshed token still acts there.
    own = jwt.decode(bob["Authorization"][7:], options={"verify_signature": False})["org"]
    assert (
        str(
            await auth_app.scalar(
                "SELECT org_id FROM login_sessions WHERE id = :id",
                id=jwt.decode(bob["Authorization"][7:], options={"verify_signature": False})["sid"],
            )
        )
        == own
    )
