"""Orgs, roles, invitations, sessions API, and tenant isolation."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import jwt
import pytest

from .conftest import AuthApp, signed_in


async def my_org(app: AuthApp, headers: dict[str, str]) -> str:
    [org] = (await app.client.get("/api/auth/orgs", headers=headers)).json()
    return org["id"]


async def test_every_account_owns_a_personal_org(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    orgs = (await auth_app.client.get("/api/auth/orgs", headers=headers)).json()
    assert len(orgs) == 1 and orgs[0]["role"] == "owner"
    assert (await auth_app.client.get("/api/auth/orgs")).status_code == 401


async def test_invitation_flow_and_role_rules(auth_app: AuthApp):
    owner = await signed_in(auth_app, "owner@example.com")
    org_id = await my_org(auth_app, owner)
    invited = await auth_app.client.post(
        f"/api/auth/orgs/{org_id}/invitations",
        json={"email": "Bob@Example.com", "role": "admin"},
        headers=owner,
    )
    assert invited.status_code == 201
    outbox = await auth_app.scalar("SELECT payload FROM outbox_messages WHERE subject = 'user.v1.invited'")
    token = json.loads(outbox)["data"]["token"]

    bob = await signed_in(auth_app, "bob@example.com")
    mallory = await signed_in(auth_app, "mallory@example.com")
    wrong_person = await auth_app.client.post(
        "/api/auth/orgs/invitations/accept", json={"token": token}, headers=mallory
    )
    assert wrong_person.status_code == 404
    accepted = await auth_app.client.post(
        "/api/auth/orgs/invitations/accept", json={"token": token}, headers=bob
    )
    assert accepted.status_code == 200 and accepted.json()["role"] == "admin"
    again = await auth_app.client.post(
        "/api/auth/orgs/invitations/accept", json={"token": token}, headers=bob
    )
    assert again.status_code == 404  # single use

    bob_id = await auth_app.scalar("SELECT id FROM users WHERE email = 'bob@example.com'")
    owner_id = await auth_app.scalar("SELECT id FROM users WHERE email = 'owner@example.com'")
    # An admin cannot make themselves (or anyone) owner, nor demote the owner.
    assert (
        await auth_app.client.put(
            f"/api/auth/orgs/{org_id}/members/{bob_id}/role", json={"role": "owner"}, headers=bob
        )
    ).status_code == 403
    assert (
        await auth_app.client.put(
            f"/api/auth/orgs/{org_id}/members/{owner_id}/role", json={"role": "viewer"}, headers=bob
        )
    ).status_code == 403
    # The last owner cannot step down.
    assert (
        await auth_app.client.put(
            f"/api/auth/orgs/{org_id}/members/{owner_id}/role", json={"role": "admin"}, headers=owner
        )
    ).status_code == 409
    demoted = await auth_app.client.put(
        f"/api/auth/orgs/{org_id}/members/{bob_id}/role", json={"role": "viewer"}, headers=owner
    )
    assert demoted.status_code == 200 and demoted.json()["role"] == "viewer"
    # A viewer cannot invite.
    assert (
        await auth_app.client.post(
            f"/api/auth/orgs/{org_id}/invitations", json={"email": "x@example.com"}, headers=bob
        )
    ).status_code == 403
    changes = await auth_app.scalar(
        "SELECT changes FROM audit_log WHERE action = 'member.role_changed' ORDER BY id DESC LIMIT 1"
    )
    assert changes == {"role": {"old": "admin", "new": "viewer"}}


async def test_a_member_or_a_pending_invitation_is_not_invited_again(auth_app: AuthApp):
    owner = await signed_in(auth_app, "owner@example.com")
    org_id = await my_org(auth_app, owner)
    await signed_in(auth_app, "member@example.com")
    # A member joins through an invitation; the owner is one from the start.
    await auth_app.client.post(
        f"/api/auth/orgs/{org_id}/invitations", json={"email": "member@example.com"}, headers=owner
    )
    token = json.loads(
        await auth_app.scalar("SELECT payload FROM outbox_messages WHERE subject = 'user.v1.invited'")
    )["data"]["token"]
    member = await signed_in(auth_app, "member@example.com")
    accepted = await auth_app.client.post(
        "/api/auth/orgs/invitations/accept", json={"token": token}, headers=member
    )
    assert accepted.status_code == 200

    async def invite(email: str) -> httpx.Response:
        return await auth_app.client.post(
            f"/api/auth/orgs/{org_id}/invitations", json={"email": email}, headers=owner
        )

    for email in ("owner@example.com", "OWNER@Example.com", "Member@example.com"):
        refused = await invite(email)
        assert refused.status_code == 409, refused.text
        assert refused.json()["title"] == "Already a member"
        assert email.casefold() in refused.json()["detail"]
    assert (await invite("teammate+1@example.com")).status_code == 201
    for email in ("teammate+1@example.com", "TEAMMATE+1@example.com"):
        again = await invite(email)
        assert again.status_code == 409 and again.json()["title"] == "Already invited"
    pending = (await auth_app.client.get(f"/api/auth/orgs/{org_id}/invitations", headers=owner)).json()
    assert [i["email"] for i in pending if i["accepted_at"] is None] == ["teammate+1@example.com"]
    emails = await auth_app.scalar(
        "SELECT count(*) FROM outbox_messages WHERE subject = 'user.v1.invited'"
        " AND convert_from(payload, 'UTF8')::jsonb->'data'->>'email' = 'teammate+1@example.com'"
    )
    assert emails == 1
    # Revoked, the address can be invited again (a new link).
    await auth_app.client.delete(f"/api/auth/orgs/{org_id}/invitations/{pending[0]['id']}", headers=owner)
    assert (await invite("Teammate+1@example.com")).status_code == 201


async def test_switching_org_issues_a_token_for_that_org(auth_app: AuthApp):
    ada = await signed_in(auth_app, "ada@example.com")
    created = await auth_app.client.post("/api/auth/orgs", json={"name": "Agency"}, headers=ada)
    assert created.status_code == 201
    switched = await auth_app.client.post(f"/api/auth/orgs/{created.json()['id']}/switch", headers=ada)
    assert switched.status_code == 200
    claims = jwt.decode(switched.json()["access_token"], options={"verify_signature": False})
    assert claims["org"] == created.json()["id"] and claims["role"] == "owner"


async def test_mass_assignment_of_role_and_org_is_refused(auth_app: AuthApp):
    ada = await signed_in(auth_app, "ada@example.com")
    sneaky = await auth_app.client.post(
        "/api/auth/orgs", json={"name": "X", "role": "owner", "id": str(uuid.uuid4())}, headers=ada
    )
    assert sneaky.status_code == 422
    registered = await auth_app.client.post(
        "/api/auth/register",
        json={"email": "eve@example.com", "password": "long enough pass", "role": "owner", "org_id": "x"},
    )
    assert registered.status_code == 202  # extra fields are ignored on sign-up...
    assert (
        await auth_app.scalar(
            "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'eve@example.com'"
        )
        == 1
    )  # ...and eve only owns her own personal org


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/auth/orgs/{org}", {"name": "pwned"}),
        ("POST", "/api/auth/orgs/{org}/switch", None),
        ("GET", "/api/auth/orgs/{org}/members", None),
        ("PUT", "/api/auth/orgs/{org}/members/{user}/role", {"role": "viewer"}),
        ("DELETE", "/api/auth/orgs/{org}/members/{user}", None),
        ("POST", "/api/auth/orgs/{org}/invitations", {"email": "x@example.com", "role": "member"}),
        ("GET", "/api/auth/orgs/{org}/invitations", None),
        ("DELETE", "/api/auth/orgs/{org}/invitations/{invitation}", None),
        ("DELETE", "/api/auth/sessions/{session}", None),
    ],
)
async def test_another_tenants_ids_answer_404(auth_app: AuthApp, method, path, body):
    victim = await signed_in(auth_app, "victim@example.com")
    org = await my_org(auth_app, victim)
    invitation = (
        await auth_app.client.post(
            f"/api/auth/orgs/{org}/invitations", json={"email": "friend@example.com"}, headers=victim
        )
    ).json()["id"]
    user = await auth_app.scalar("SELECT id FROM users WHERE email = 'victim@example.com'")
    session = await auth_app.scalar("SELECT id FROM login_sessions LIMIT 1")
    attacker = await signed_in(auth_app, "attacker@example.com")
    url = path.format(org=org, user=user, invitation=invitation, session=session)
    response = await auth_app.client.request(method, url, json=body, headers=attacker)
    assert response.status_code == 404, (url, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert await auth_app.scalar("SELECT name FROM orgs WHERE id = :id", id=org) != "pwned"


async def test_sessions_list_and_revocation(auth_app: AuthApp):
    first = await signed_in(auth_app, "ada@example.com")
    second_login = await auth_app.login(
        "ada@example.com",
        headers={
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
        },
    )
    second = {"Authorization": f"Bearer {second_login.json()['access_token']}"}
    sessions = (await auth_app.client.get("/api/auth/sessions", headers=second)).json()
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    current = next(s for s in sessions if s["current"])
    assert current["device"] == "Chrome on Linux" and current["ip"] == "203.0.113.7"

    revoked = await auth_app.client.post("/api/auth/sessions/revoke-others", headers=second)
    assert revoked.json() == {"revoked": 1}
    # The revoked session's access token stops working within seconds (revocation event round trip).
    for _ in range(100):
        if (await auth_app.client.get("/api/auth/sessions", headers=first)).status_code == 401:
            break
        await asyncio.sleep(0.05)
    assert (await auth_app.client.get("/api/auth/sessions", headers=first)).status_code == 401
    assert (await auth_app.client.get("/api/auth/sessions", headers=second)).status_code == 200
    assert await auth_app.scalar("SELECT count(*) FROM login_sessions WHERE revoked_at IS NOT NULL") == 1


async def test_org_updates_are_audited_with_what_changed(auth_app: AuthApp):
    headers = await signed_in(auth_app, "owner@example.com")
    org_id = await my_org(auth_app, headers)
    path = f"/api/auth/orgs/{org_id}"
    renamed = await auth_app.client.patch(path, json={"name": "Acme Marketing"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Acme Marketing"
    # The same name again and an unchanged flag: nothing changed, nothing to audit.
    same = await auth_app.client.patch(
        path, json={"name": "Acme Marketing", "require_mfa": False}, headers=headers
    )
    assert same.status_code == 200
    entries = await auth_app.scalar(
        "SELECT json_agg(changes ORDER BY id) FROM audit_log WHERE action = 'org.updated'"
    )
    assert isinstance(entries, list)
    [entry] = entries
    assert entry["name"]["new"] == "Acme Marketing" and entry["name"]["old"] != "Acme Marketing"
    assert set(entry) == {"name"}
