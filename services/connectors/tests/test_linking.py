"""Linking without a consent screen (the sandbox), the platform list, the connection list and unlinking; roles,
bad input and tenancy. The OAuth round trips are in test_linking_oauth.py."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from adpilot_common.testing.audit import staged_audit
from adpilot_connectors.config import Settings
from adpilot_connectors.credentials import unseal
from adpilot_connectors.platforms.google_ads import API_VERSION as GOOGLE_API_VERSION
from adpilot_connectors.platforms.tiktok import API_VERSION as TIKTOK_API_VERSION

from .conftest import ConnectorsApp

BASE = "/api/connectors"
PROBLEM_JSON = "application/problem+json"


async def test_platforms_say_what_can_be_linked_and_how(connectors_app: ConnectorsApp) -> None:
    viewer = connectors_app.tenant("viewer")
    response = await connectors_app.client.get(f"{BASE}/platforms", headers=viewer.headers)
    assert response.status_code == 200
    platforms = {p["platform"]: p for p in response.json()}
    assert set(platforms) == {"google", "meta", "tiktok", "sandbox"}
    assert platforms["sandbox"] == {
        "platform": "sandbox",
        "available": True,
        "oauth": False,
        "api_version": None,
        "missing_settings": [],
    }
    # Nothing is configured for the real platforms in this test environment.
    assert platforms["google"]["available"] is False and platforms["google"]["oauth"] is True
    assert platforms["google"]["api_version"] == GOOGLE_API_VERSION
    assert platforms["google"]["missing_settings"] == [
        "CONNECTORS_GOOGLE__CLIENT_ID",
        "CONNECTORS_GOOGLE__CLIENT_SECRET",
        "CONNECTORS_GOOGLE__DEVELOPER_TOKEN",
    ]
    assert platforms["meta"]["api_version"] == connectors_app.settings.meta.api_version
    assert platforms["tiktok"]["api_version"] == TIKTOK_API_VERSION


async def test_sandbox_link_discovers_its_accounts_once_per_org(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    response = await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=member.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["platform"] == "sandbox" and body["status"] == "active" and body["health"] == "ok"
    assert body["accounts"] == connectors_app.settings.sandbox.accounts
    assert body["token_expires_at"] is None
    assert not any("token" in key and key != "token_expires_at" for key in body)

    accounts = await connectors_app.rows(
        "SELECT connection_id, org_id, platform, sync_enabled FROM ad_accounts ORDER BY external_id"
    )
    assert len(accounts) == connectors_app.settings.sandbox.accounts
    assert {(str(a["connection_id"]), a["org_id"], a["platform"], a["sync_enabled"]) for a in accounts} == {
        (body["id"], member.org_id, "sandbox", True)
    }
    stored = await connectors_app.scalar("SELECT access_token_encrypted FROM platform_connections")
    assert len(unseal(connectors_app.connectors.box, stored)) >= 32  # an encrypted random placeholder

    again = await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=member.headers)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM_JSON
    assert again.json()["connection_id"] == body["id"]
    assert await connectors_app.scalar("SELECT count(*) FROM platform_connections") == 1

    listed = await connectors_app.client.get(f"{BASE}/connections", headers=member.headers)
    assert [c["id"] for c in listed.json()] == [body["id"]]
    assert listed.json()[0]["accounts"] == connectors_app.settings.sandbox.accounts

    (audit,) = await staged_audit(connectors_app.engine)
    assert audit["org_id"] == str(member.org_id)
    assert audit["data"]["action"] == "connector.linked"
    assert audit["data"]["actor_user_id"] == str(member.user_id)
    assert audit["data"]["resource_id"] == body["id"]


async def test_concurrent_sandbox_links_create_one_connection(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    responses = await asyncio.gather(
        *(connectors_app.client.post(f"{BASE}/connections/sandbox", headers=member.headers) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert await connectors_app.scalar("SELECT count(*) FROM platform_connections") == 1


async def test_viewers_cannot_link_or_unlink(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    viewer = connectors_app.tenant("viewer", org_id=member.org_id)
    linked = await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=member.headers)
    for method, path in [
        ("POST", f"{BASE}/connections/sandbox"),
        ("POST", f"{BASE}/connections/google/authorize"),
        ("DELETE", f"{BASE}/connections/{linked.json()['id']}"),
    ]:
        response = await connectors_app.client.request(method, path, headers=viewer.headers)
        assert response.status_code == 403, (method, path)
        assert response.headers["content-type"] == PROBLEM_JSON
    listed = await connectors_app.client.get(f"{BASE}/connections", headers=viewer.headers)
    assert [c["id"] for c in listed.json()] == [linked.json()["id"]]  # but they can look


async def test_unauthenticated_callers_are_refused(connectors_app: ConnectorsApp) -> None:
    for method, path in [("GET", f"{BASE}/connections"), ("POST", f"{BASE}/connections/sandbox")]:
        response = await connectors_app.client.request(method, path)
        assert response.status_code == 401


async def test_unknown_platform_is_a_404_problem(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    response = await connectors_app.client.post(
        f"{BASE}/connections/myspace/authorize", headers=member.headers
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["title"] == "Unknown platform" and "google, meta, tiktok, sandbox" in problem["detail"]

    callback = await connectors_app.client.get(f"{BASE}/oauth/myspace/callback?code=x&state=y")
    assert callback.status_code == 404 and callback.headers["content-type"] == PROBLEM_JSON
    assert await connectors_app.scalar("SELECT count(*) FROM oauth_states") == 0


async def test_sandbox_has_no_consent_screen(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    response = await connectors_app.client.post(
        f"{BASE}/connections/sandbox/authorize", headers=member.headers
    )
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM_JSON
    callback = await connectors_app.client.get(f"{BASE}/oauth/sandbox/callback?code=x&state=y")
    assert callback.status_code == 404


async def test_unconfigured_platform_names_the_missing_settings(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    response = await connectors_app.client.post(f"{BASE}/connections/meta/authorize", headers=member.headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["missing_settings"] == ["CONNECTORS_META__APP_ID", "CONNECTORS_META__APP_SECRET"]
    assert "CONNECTORS_META__APP_ID" in problem["detail"]
    assert await connectors_app.scalar("SELECT count(*) FROM oauth_states") == 0


async def test_disabled_sandbox_cannot_be_linked(
    connectors_settings: Callable[..., Settings], start_connectors: Any
) -> None:
    settings: Settings = connectors_settings(sandbox={"enabled": False})
    async with start_connectors(settings) as app:
        member = app.tenant("member")
        response = await app.client.post(f"{BASE}/connections/sandbox", headers=member.headers)
        assert response.status_code == 409
        assert response.json()["missing_settings"] == ["CONNECTORS_SANDBOX__ENABLED"]
        platforms = (await app.client.get(f"{BASE}/platforms", headers=member.headers)).json()
        assert next(p for p in platforms if p["platform"] == "sandbox")["available"] is False


async def test_other_orgs_cannot_see_or_delete_a_connection(connectors_app: ConnectorsApp) -> None:
    org_a = connectors_app.tenant("admin")
    org_b = connectors_app.tenant("admin")
    linked = (await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=org_a.headers)).json()

    assert (await connectors_app.client.get(f"{BASE}/connections", headers=org_b.headers)).json() == []
    refused = await connectors_app.client.delete(f"{BASE}/connections/{linked['id']}", headers=org_b.headers)
    assert refused.status_code == 404 and refused.headers["content-type"] == PROBLEM_JSON
    malformed = await connectors_app.client.delete(f"{BASE}/connections/not-a-uuid", headers=org_b.headers)
    assert malformed.status_code == 404
    unknown = await connectors_app.client.delete(f"{BASE}/connections/{uuid.uuid4()}", headers=org_a.headers)
    assert unknown.status_code == 404
    assert await connectors_app.scalar("SELECT count(*) FROM platform_connections") == 1

    # Org B links its own sandbox: a different simulated platform with its own accounts.
    own = await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=org_b.headers)
    assert own.status_code == 201
    assert await connectors_app.scalar("SELECT count(DISTINCT org_id) FROM ad_accounts") == 2


async def test_unlinking_removes_the_accounts_and_is_audited(connectors_app: ConnectorsApp) -> None:
    member = connectors_app.tenant("member")
    linked = (await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=member.headers)).json()
    response = await connectors_app.client.delete(
        f"{BASE}/connections/{linked['id']}", headers=member.headers
    )
    assert response.status_code == 204
    assert await connectors_app.scalar("SELECT count(*) FROM platform_connections") == 0
    assert await connectors_app.scalar("SELECT count(*) FROM ad_accounts") == 0
    audits = await staged_audit(connectors_app.engine)
    assert [a["data"]["action"] for a in audits] == ["connector.linked", "connector.unlinked"]
    assert audits[1]["data"]["changes"] == {
        "platform": "sandbox",
        "label": linked["label"],
        "accounts": connectors_app.settings.sandbox.accounts,
    }
    # The org can link the sandbox again afterwards.
    again = await connectors_app.client.post(f"{BASE}/connections/sandbox", headers=member.headers)
    assert again.status_code == 201


def test_callback_query_strings_stay_out_of_the_access_log() -> None:
    """uvicorn logs each request line; a callback's query carries the code and the state."""
    access = logging.getLogger("uvicorn.access")
    fmt = '%s - "%s %s HTTP/%s" %d'

    def line(path: str) -> str:
        record = logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, fmt, ("10.0.0.1:5", "GET", path, "1.1", 303), None
        )
        assert access.filter(record)
        return record.getMessage()

    assert line("/api/connectors/oauth/google/callback?state=s3cr3t&code=4%2F0abc") == (
        '10.0.0.1:5 - "GET /api/connectors/oauth/google/callback HTTP/1.1" 303'
    )
    assert "?limit=5" in line("/api/connectors/campaigns?limit=5")  # other paths keep their query
