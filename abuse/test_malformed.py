"""Broken and hostile bodies on write endpoints of every service, through the gateway: invalid JSON, a wrong
content type, deep nesting, huge strings, invalid UTF-8, NUL characters, a body over the gateway's limit. Each is
a 4xx problem+json, never a 5xx (a NUL that reached PostgreSQL, a recursion error, an unbounded column...)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .tenants import Tenant, client, expect, sign_up

SOURCE_IP = "127.0.0.3"  # its own per-IP windows: the public endpoints below count against sign-in limits
HUGE = "x" * 1_000_000  # well under the gateway's 10 MB body limit: the services must refuse it themselves
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024
JSON = {"Content-Type": "application/json"}

# One write endpoint or more per service, each with a valid body whose string fields the attacks replace.
ENDPOINTS: dict[str, dict[str, Any]] = {
    "POST /api/auth/register": {
        "email": "someone@example.com",
        "password": "quartz-meadow-lantern-57",
        "name": "S",
    },
    "POST /api/auth/orgs": {"name": "Acme"},
    "PATCH /api/auth/orgs/{org_id}": {"name": "Acme Renamed"},
    "POST /api/connectors/accounts/{account_id}/write-jobs": {
        "validate_only": True,
        "operations": [{"op": "create_campaign", "name": "Spring", "daily_budget_micros": 5_000_000}],
    },
    "POST /api/ai-copy/generations": {
        "product": "Trail shoes",
        "audience": "Weekend hikers",
        "platforms": ["google"],
        "variants": 1,
    },
    "PUT /api/ai-copy/brand-voice": {"voice": "warm", "guidelines": "plain words", "banned_terms": ["cheap"]},
    "POST /api/metrics/report-schedules": {"format": "csv", "frequency": "daily", "title": "Daily"},
    "POST /api/metrics/alert-rules": {"kind": "cpa_above", "threshold": "12.5"},
    "POST /api/notify/webhooks": {
        "url": "https://hooks.example.com/adpilot",
        "event_types": ["budget.v1.threshold_crossed"],
        "description": "ops",
    },
    "POST /api/notify/destinations": {"channel": "email", "address": "ops@example.com"},
}


def replace_strings(value: Any, replacement: Any) -> Any:
    """``value`` with every string leaf (not the keys) replaced."""
    if isinstance(value, dict):
        return {k: replace_strings(v, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_strings(v, replacement) for v in value]
    return replacement(value) if isinstance(value, str) else value


def attacks(sample: dict[str, Any]) -> dict[str, tuple[bytes, dict[str, str]]]:
    """name -> (raw body, headers)."""
    valid = json.dumps(sample).encode()
    return {
        "invalid JSON": (b'{"name": "unterminated', JSON),
        "JSON array": (b"[1, 2, 3]", JSON),
        "text/plain": (valid, {"Content-Type": "text/plain"}),
        "form-encoded": (
            b"name=Acme&email=a%40example.com",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "no content type": (valid, {}),
        "deeply nested": (b"[" * 100_000 + b"]" * 100_000, JSON),
        "deeply nested object": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, JSON),
        "huge strings": (json.dumps(replace_strings(sample, lambda _: HUGE)).encode(), JSON),
        "invalid UTF-8": (valid.replace(b'"', b'"\xff\xfe', 2), JSON),
        "NUL escapes": (
            json.dumps(replace_strings(sample, lambda s: s[:1] + "\u0000" + s[1:])).encode(),
            JSON,
        ),
        "raw NUL byte": (valid.replace(b'"', b'"\x00', 2), JSON),
        "lone surrogate": (json.dumps(replace_strings(sample, lambda s: s + "\ud800")).encode(), JSON),
    }


@pytest.fixture(scope="module")
def attacker(gateway_url: str) -> Iterator[httpx.Client]:
    with client(gateway_url, source_ip=SOURCE_IP) as http:
        yield http


@pytest.fixture(scope="module")
def tenant(attacker: httpx.Client) -> Tenant:
    return sign_up(attacker, "fuzzed")


@pytest.fixture(scope="module")
def own_ids(attacker: httpx.Client, tenant: Tenant) -> dict[str, str]:
    """The tenant's own ids, so the requests reach the handlers, not a 404."""
    expect(attacker.post("/api/connectors/connections/sandbox", headers=tenant.headers), 201)
    accounts = expect(attacker.get("/api/connectors/accounts", headers=tenant.headers), 200)
    return {"org_id": tenant.org_id, "account_id": str(accounts[0]["id"])}


def test_hostile_bodies_are_4xx_problems(
    attacker: httpx.Client, tenant: Tenant, own_ids: dict[str, str]
) -> None:
    failures, sent = [], 0
    for endpoint, sample in ENDPOINTS.items():
        method, path = endpoint.split(" ", 1)
        url = path.format(**own_ids)
        for name, (body, headers) in attacks(sample).items():
            response = attacker.request(method, url, content=body, headers={**tenant.headers, **headers})
            sent += 1
            content_type = response.headers.get("content-type", "")
            if not (
                400 <= response.status_code < 500 and content_type.startswith("application/problem+json")
            ):
                failures.append(
                    f"{endpoint} [{name}] -> {response.status_code} {content_type}: {response.text[:200]}"
                )
    print(f"\nmalformed input: {sent} hostile requests to {len(ENDPOINTS)} endpoints, all 4xx problem+json")
    assert failures == [], "\n".join(failures)


def test_a_body_over_the_limit_never_reaches_a_service(attacker: httpx.Client, tenant: Tenant) -> None:
    oversized = b'{"name": "' + b"x" * GATEWAY_MAX_BODY_BYTES + b'"}'
    for endpoint in ENDPOINTS:
        method, path = endpoint.split(" ", 1)
        url = path.replace("{org_id}", tenant.org_id).replace("{account_id}", tenant.org_id)
        response = attacker.request(method, url, content=oversized, headers={**tenant.headers, **JSON})
        assert response.status_code == 413, (endpoint, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/problem+json")
