"""Org A calls every operation of the public API that names a resource by id, with org B's ids: always 404 (or
403), never a byte of B's data, and B's resources are unchanged afterwards.

The walk is derived from the gateway's merged OpenAPI document, so a new endpoint is attacked as soon as it
exists; a new id parameter without a B fixture (or a new write without a sample body) fails the test, so the
coverage cannot shrink silently."""

from __future__ import annotations

import re
from typing import Any

import httpx

from .conftest import dump
from .tenants import Fixtures, Tenant, snapshot

METHODS = ("get", "put", "post", "patch", "delete")
PARAM = re.compile(r"\{([^}]+)\}")
# Path parameters that name no tenant resource, with the value to use when they sit next to one that does.
NOT_IDS = {"platform": "sandbox"}
# A valid body for every write that takes one, so the request gets past validation to the ownership check.
BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/auth/orgs/{org_id}": {"name": "Taken over"},
    "POST /api/auth/orgs/{org_id}/invitations": {"email": "intruder@example.com", "role": "admin"},
    "PUT /api/auth/orgs/{org_id}/members/{user_id}/role": {"role": "viewer"},
    "PATCH /api/connectors/accounts/{account_id}": {"sync_enabled": False},
    "POST /api/connectors/accounts/{account_id}/write-jobs": {
        "validate_only": True,
        "operations": [{"op": "create_campaign", "name": "Hijack", "daily_budget_micros": 1_000_000}],
    },
    "PATCH /api/ai-copy/variants/{variant_id}": {"fields": {"headlines": ["Hijacked"]}},
    "POST /api/ai-copy/variants/{variant_id}/approve": {},
    "POST /api/ai-copy/variants/{variant_id}/regenerate": {"field": "headlines"},
    "PATCH /api/metrics/alert-rules/{rule_id}": {"enabled": False},
    "PATCH /api/metrics/budgets/{budget_id}": {"amount_micros": 1},
    "POST /api/notify/destinations/{destination_id}/verify": {"code": "123456"},
    "PATCH /api/notify/webhooks/{endpoint_id}": {"url": "https://attacker.example.com/hook"},
}
REFUSED = {403, 404}
# Values for required query parameters that are no id (the date range of the KPI queries).
REQUIRED_QUERY = {"from": "2026-01-01", "to": "2026-12-31"}


def is_id(name: str) -> bool:
    return name.endswith("_id")


def operations_naming_ids(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in openapi["paths"].items():
        if any(is_id(name) for name in PARAM.findall(path)):
            found += [(method.upper(), path, item[method]) for method in METHODS if method in item]
    return found


def leaked(body: str, fixtures: Fixtures, owner: Tenant, sent: str) -> list[str]:
    """B's ids or address in an answer, except the ids the attacker sent (echoed in ``instance`` or ``detail``,
    they tell nothing new); any other id of B's would mean B's data came back."""
    secrets = {*(i for i in fixtures.ids.values() if i not in sent), owner.email}
    return sorted(s for s in secrets if s in body)


def test_another_orgs_ids_are_404_everywhere(
    http: httpx.Client, openapi: dict[str, Any], tenant_a: Tenant, tenant_b: Tenant, b_fixtures: Fixtures
) -> None:
    before = snapshot(http, tenant_b, b_fixtures)
    operations = operations_naming_ids(openapi)
    unmapped, answers, bad = [], [], []
    for method, path, operation in operations:
        key = f"{method} {path}"
        names = PARAM.findall(path)
        missing = [n for n in names if n not in b_fixtures.ids and n not in NOT_IDS]
        body_required = bool(operation.get("requestBody", {}).get("required"))
        if missing or (body_required and key not in BODIES):
            unmapped.append(f"{key}: no B fixture for {missing}" if missing else f"{key}: no sample body")
            continue
        url = path.format(**{n: b_fixtures.ids.get(n) or NOT_IDS[n] for n in names})
        response = http.request(method, url, headers=tenant_a.headers, json=BODIES.get(key))
        answers.append(f"{response.status_code} {key}")
        if response.status_code not in REFUSED:
            bad.append(f"{key} -> {response.status_code}: {response.text[:300]}")
        elif found := leaked(response.text, b_fixtures, tenant_b, str(response.request.url)):
            bad.append(f"{key} -> {response.status_code} leaks {found}: {response.text[:300]}")
    print(
        f"\ncross-tenant walk: {len(answers)} operations with B's ids, all refused:\n  "
        + "\n  ".join(answers)
    )
    assert unmapped == [], "operations the walk cannot attack (add a fixture or body):\n" + "\n".join(
        unmapped
    )
    assert bad == [], "\n".join(bad)
    assert len(answers) >= 40  # the walk really covers the API (it had 50 such operations when written)
    assert snapshot(http, tenant_b, b_fixtures) == before
    assert http.get("/api/auth/me", headers=tenant_b.headers).status_code == 200  # B's session survived


def test_another_orgs_ids_in_filters_show_nothing(
    http: httpx.Client, openapi: dict[str, Any], tenant_a: Tenant, tenant_b: Tenant, b_fixtures: Fixtures
) -> None:
    """Listings filtered by B's ids (``?account_id=`` ...) answer 404/403 or show A nothing of B's."""
    checked = []
    for path, item in openapi["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        filters = {
            p["name"]: b_fixtures.ids[p["name"]]
            for p in operation.get("parameters", [])
            if p.get("in") == "query" and p["name"] in b_fixtures.ids
        }
        if not filters:
            continue
        required = [
            p["name"] for p in operation.get("parameters", []) if p.get("required") and p["in"] == "query"
        ]
        params = {**{name: REQUIRED_QUERY[name] for name in required if name not in filters}, **filters}
        response = http.get(path, params=params, headers=tenant_a.headers)
        checked.append(f"{response.status_code} GET {path}?{'&'.join(filters)}")
        assert response.status_code in {200, *REFUSED}, (path, response.text)
        found = leaked(response.text, b_fixtures, tenant_b, str(response.request.url))
        assert found == [], f"GET {path} with B's {sorted(filters)} leaks {found}: {dump(response.json())}"
    print("\nfiltered listings with B's ids:\n  " + "\n  ".join(checked))
    assert len(checked) >= 5
