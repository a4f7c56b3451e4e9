"""Signed-up users with their orgs, and one org filled with one resource of every kind the API can name by id.

Everything goes through the public API at the gateway (no database writes), as a customer would do it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "quartz-meadow-lantern-57"  # noqa: S105 - test users' password, long and not a common one


def client(base_url: str, *, source_ip: str = "127.0.0.1") -> httpx.Client:
    """A client whose connections come from ``source_ip`` (any 127.x address is loopback on Linux): the
    gateway counts its per-IP limits per source address, so a test can have a window of its own."""
    transport = httpx.HTTPTransport(local_address=source_ip)
    return httpx.Client(base_url=base_url, transport=transport, timeout=30.0)


TOKEN_FRESH_S = 300.0  # access tokens live 10 min; sign in again after 5 so none expires inside a test


@dataclass
class Tenant:
    email: str
    user_id: str
    org_id: str
    session_id: str
    token: str
    http: httpx.Client
    signed_in_at: float = field(default_factory=time.monotonic)

    @property
    def headers(self) -> dict[str, str]:
        if time.monotonic() - self.signed_in_at > TOKEN_FRESH_S:
            self.token = _login(self.http, self.email, PASSWORD)["access_token"]
            self.signed_in_at = time.monotonic()
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(http: httpx.Client, label: str) -> Tenant:
    """Register, sign in (auth creates the user's first org, the user its owner) and read who we are."""
    email = f"{label}-{uuid.uuid4().hex[:10]}@example.com"
    registered = http.post("/api/auth/register", json={"email": email, "password": PASSWORD, "name": label})
    assert registered.status_code == 202, registered.text
    return sign_in(http, email)


def _login(http: httpx.Client, email: str, password: str) -> dict[str, Any]:
    login = http.post("/api/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    body: dict[str, Any] = login.json()
    return body


def sign_in(http: httpx.Client, email: str, password: str = PASSWORD) -> Tenant:
    login = _login(http, email, password)
    token = login["access_token"]
    me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    orgs = http.get("/api/auth/orgs", headers={"Authorization": f"Bearer {token}"}).json()
    assert len(orgs) >= 1, orgs
    return Tenant(email, str(me.json()["id"]), str(orgs[0]["id"]), str(login["session_id"]), token, http)


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    """Poll ``probe`` until it returns something truthy (events are processed asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def expect(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in statuses, (response.request.method, response.request.url, response.text)
    return response.json() if response.content else {}


@dataclass
class Fixtures:
    """One resource of each kind in an org: path parameter name -> id, and the GETs that show them all."""

    ids: dict[str, str] = field(default_factory=dict)
    listings: tuple[str, ...] = ()


LISTINGS = (
    "/api/auth/orgs/{org_id}/members",
    "/api/auth/orgs/{org_id}/invitations",
    "/api/connectors/connections",
    "/api/connectors/accounts",
    "/api/connectors/write-jobs",
    "/api/ai-copy/generations",
    "/api/metrics/budgets",
    "/api/metrics/alert-rules",
    "/api/metrics/reports",
    "/api/metrics/report-schedules",
    "/api/notify/destinations",
    "/api/notify/webhooks",
)  # not the deliveries: notify adds rows by itself (B's report becoming ready), and none can be edited


def fill_org(http: httpx.Client, owner: Tenant) -> Fixtures:
    """Create in ``owner``'s org one of every resource the API names by id."""
    h = owner.headers
    ids: dict[str, str] = {"org_id": owner.org_id, "session_id": owner.session_id}

    # auth: a pending invitation; the owner is the member other orgs must not remove or demote
    pending = expect(
        http.post(f"/api/auth/orgs/{owner.org_id}/invitations", headers=h, json={"email": "x@example.com"}),
        201,
    )
    ids["invitation_id"] = str(pending["id"])
    ids["user_id"] = owner.user_id

    # connectors: the sandbox platform links at once; a sync brings campaigns; a write job (validate only)
    connection = expect(http.post("/api/connectors/connections/sandbox", headers=h), 201)
    ids["connection_id"] = str(connection["id"])
    accounts = expect(http.get("/api/connectors/accounts", headers=h), 200)
    account_id = str(accounts[0]["id"])
    ids["account_id"] = account_id
    run = expect(http.post(f"/api/connectors/accounts/{account_id}/sync", headers=h), 202, 409)
    runs = wait_for(
        "a sync run",
        lambda: expect(http.get(f"/api/connectors/accounts/{account_id}/sync-runs", headers=h), 200),
    )
    ids["run_id"] = str(run.get("id") or _items(runs)[0]["id"])
    campaigns = wait_for(
        "mirrored campaigns", lambda: _items(expect(http.get("/api/connectors/campaigns", headers=h), 200))
    )
    campaign = campaigns[0]
    ids["campaign_id"] = str(campaign["id"])
    job = expect(
        http.post(
            f"/api/connectors/accounts/{account_id}/write-jobs",
            headers=h,
            json={"validate_only": True, "operations": [_new_campaign()]},
        ),
        202,
    )
    ids["job_id"] = str(job["id"])

    # ai-copy: a generation (offline generator) with its variants, and a bulk batch
    brief = {"product": "Trail shoes", "audience": "Weekend hikers", "platforms": ["google"], "variants": 1}
    generation = expect(http.post("/api/ai-copy/generations", headers=h, json=brief), 201, 202)
    ids["generation_id"] = str(generation["id"])
    variants = wait_for(
        "generated variants",
        lambda: expect(http.get(f"/api/ai-copy/generations/{generation['id']}", headers=h), 200).get(
            "variants"
        ),
    )
    ids["variant_id"] = str(variants[0]["id"])
    batch = expect(http.post("/api/ai-copy/generations/bulk", headers=h, json={"items": [brief]}), 202)
    ids["batch_id"] = str(batch.get("batch_id") or batch["id"])

    # metrics: budget (in the account's currency, once metrics has the account from its campaign events),
    # alert rule, report, schedule
    def create_budget() -> Any:
        response = http.post(
            "/api/metrics/budgets",
            headers=h,
            json={"account_id": account_id, "period": "monthly", "amount_micros": 50_000_000},
        )
        return None if response.status_code == 404 else expect(response, 201)

    budget = wait_for("metrics to know the synced account", create_budget)
    ids["budget_id"] = str(budget["id"])
    rule = expect(
        http.post(
            "/api/metrics/alert-rules",
            headers=h,
            json={"kind": "spend_over_budget_pct", "threshold": 80, "budget_id": budget["id"]},
        ),
        201,
    )
    ids["rule_id"] = str(rule["id"])
    report = expect(
        http.post(
            "/api/metrics/reports",
            headers=h,
            json={"format": "csv", "from": "2026-01-01", "to": "2026-01-31"},
        ),
        202,
    )
    ids["report_id"] = str(report["id"])
    schedule = expect(
        http.post("/api/metrics/report-schedules", headers=h, json={"format": "csv", "frequency": "daily"}),
        201,
    )
    ids["schedule_id"] = str(schedule["id"])

    # notify: a destination (verification message = a delivery) and a webhook
    destination = expect(
        http.post("/api/notify/destinations", headers=h, json={"channel": "email", "address": owner.email}),
        201,
    )
    ids["destination_id"] = str(destination["id"])
    webhook = expect(
        http.post(
            "/api/notify/webhooks",
            headers=h,
            json={"url": "https://hooks.example.com/adpilot", "event_types": ["budget.v1.threshold_crossed"]},
        ),
        201,
    )
    ids["endpoint_id"] = str(webhook["id"])
    deliveries = wait_for(
        "a delivery", lambda: _items(expect(http.get("/api/notify/deliveries", headers=h), 200))
    )
    ids["delivery_id"] = str(deliveries[0]["id"])
    return Fixtures(ids, LISTINGS)


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return body
    return list(body.get("items", []))


def _new_campaign() -> dict[str, Any]:
    return {
        "op": "create_campaign",
        "name": "Spring Launch",
        "daily_budget_micros": 50_000_000,
        "objective": "SALES",
    }


def snapshot(http: httpx.Client, owner: Tenant, fixtures: Fixtures) -> dict[str, Any]:
    """Everything the owner sees of their org's resources, to compare before and after an attack."""
    seen: dict[str, Any] = {}
    for path in fixtures.listings:
        url = path.format(**fixtures.ids)
        response = http.get(url, headers=owner.headers)
        assert response.status_code == 200, (url, response.text)
        seen[url] = _stable(response.json())
    return seen


# Fields that background work changes by itself (delivery retries, syncs, report and copy jobs, token checks):
# left out, so the comparison sees only edits; a deleted or added row, or a changed name, role, amount, URL,
# flag or threshold still shows.
VOLATILE = frozenset(
    {
        "active_run", "attempts", "cached", "cached_from", "connection_health", "download_path", "error",
        "expires_in_s", "failure_reason", "file_name", "finished_at", "health", "last_error",
        "last_refreshed_at", "last_seen_at", "last_status_code", "last_sync", "last_sync_at", "last_sync_status",
        "metrics_synced_through", "next_attempt_at", "next_run_at", "progress", "size_bytes", "started_at",
        "status", "status_reason", "structure_synced_at", "token_expires_at", "token_health", "updated_at",
        "usage", "variants",
    }
)  # fmt: skip


def _stable(value: Any) -> Any:
    """Drop fields that change by themselves (clocks, background syncs) so a comparison sees only edits."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value
