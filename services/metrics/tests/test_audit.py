"""Budgets, alert rules and report schedules are written to the org's audit log: each write stages one
``audit.v1.requested`` in its own transaction (as the caller, naming what changed); a refused write stages none."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from adpilot_common.testing.audit import actions, staged_audit

from .conftest import MetricsService, campaign_event, publish_campaign_events

ORG = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
USER = uuid.UUID("00000000-0000-4000-8000-0000000000c3")


def caller(svc: MetricsService, role: str = "member") -> dict[str, str]:
    headers: dict[str, str] = svc.issuer.headers(org_id=str(ORG), role=role, user_id=str(USER))
    return headers


async def send(
    client: httpx.AsyncClient, svc: MetricsService, method: str, path: str, status: int, **kwargs: Any
) -> Any:
    role = "admin" if "report-schedules" in path else "member"
    response = await client.request(method, f"/api/metrics/{path}", headers=caller(svc, role), **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def check_entry(entry: dict[str, Any], action: str, resource_type: str, resource_id: str) -> dict[str, Any]:
    assert entry["org_id"] == str(ORG) and entry["source"] == "metrics"
    data = entry["data"]
    assert (data["action"], data["actor_user_id"]) == (action, str(USER))
    assert (data["resource_type"], data["resource_id"]) == (resource_type, resource_id)
    changes: dict[str, Any] = data["changes"]
    return changes


async def test_budget_and_alert_rule_writes_are_audited(metrics_service: MetricsService) -> None:
    svc = metrics_service
    await publish_campaign_events(
        svc, campaign_event("campaign.v1.created", "c1", "c1", org=ORG, account=ACCOUNT)
    )
    budget_in = {"account_id": str(ACCOUNT), "period": "monthly", "amount_micros": 10_000_000}
    async with svc.client() as client:
        # Refused writes (checked by the endpoint, after the caller was known): nothing audited.
        await send(client, svc, "POST", "budgets", 422, json={**budget_in, "currency": "USD"})
        ctr_over_100 = {"kind": "ctr_drop_pct", "account_id": str(ACCOUNT), "threshold": 150}
        await send(client, svc, "POST", "alert-rules", 422, json=ctr_over_100)
        assert await staged_audit(svc.engine) == []

        budget = await send(client, svc, "POST", "budgets", 201, json=budget_in)
        await send(client, svc, "PATCH", f"budgets/{budget['id']}", 200, json={"amount_micros": 12_000_000})
        await send(client, svc, "PATCH", f"budgets/{budget['id']}", 200, json={"amount_micros": 12_000_000})
        rule_in = {"kind": "spend_over_budget_pct", "budget_id": budget["id"], "threshold": 80}
        rule = await send(client, svc, "POST", "alert-rules", 201, json=rule_in)
        await send(client, svc, "PATCH", f"alert-rules/{rule['id']}", 422, json={"threshold": 20_000})
        await send(
            client, svc, "PATCH", f"alert-rules/{rule['id']}", 200, json={"threshold": 90, "enabled": False}
        )
        await send(client, svc, "DELETE", f"alert-rules/{rule['id']}", 204)
        await send(client, svc, "DELETE", f"budgets/{budget['id']}", 204)

    entries = await staged_audit(svc.engine)
    assert actions(entries) == [  # the repeated PATCH changed nothing: no entry
        "budget.created",
        "budget.updated",
        "alert_rule.created",
        "alert_rule.updated",
        "alert_rule.deleted",
        "budget.deleted",
    ]
    created, updated, rule_created, rule_updated, rule_deleted, deleted = entries
    described = {"account_id": str(ACCOUNT), "campaign_id": None, "period": "monthly", "currency": "EUR"}
    assert check_entry(created, "budget.created", "budget", budget["id"]) == {
        **described,
        "amount_micros": 10_000_000,
    }
    assert check_entry(updated, "budget.updated", "budget", budget["id"]) == {
        "amount_micros": {"old": 10_000_000, "new": 12_000_000}
    }
    assert check_entry(deleted, "budget.deleted", "budget", budget["id"]) == {
        **described,
        "amount_micros": 12_000_000,
    }
    assert check_entry(rule_created, "alert_rule.created", "alert_rule", rule["id"]) == {
        "kind": "spend_over_budget_pct",
        "account_id": str(ACCOUNT),
        "campaign_id": None,
        "budget_id": budget["id"],
        "period": "monthly",
        "threshold": "80",
        "enabled": True,
    }
    assert check_entry(rule_updated, "alert_rule.updated", "alert_rule", rule["id"]) == {
        "threshold": {"old": "80", "new": "90"},
        "enabled": {"old": True, "new": False},
    }
    assert check_entry(rule_deleted, "alert_rule.deleted", "alert_rule", rule["id"])["threshold"] == "90"


async def test_report_schedule_writes_are_audited_with_their_recipients(
    metrics_service: MetricsService,
) -> None:
    svc = metrics_service
    body = {"title": "Daily digest", "format": "csv", "frequency": "daily", "recipients": ["ana@example.com"]}
    async with svc.client() as client:
        unknown = {**body, "filters": {"account_id": str(uuid.uuid4())}}
        await send(client, svc, "POST", "report-schedules", 404, json=unknown)
        assert await staged_audit(svc.engine) == []
        schedule = await send(client, svc, "POST", "report-schedules", 201, json=body)
        await send(client, svc, "DELETE", f"report-schedules/{schedule['id']}", 204)
        await send(client, svc, "DELETE", f"report-schedules/{schedule['id']}", 404)

    created, deleted = await staged_audit(svc.engine)
    described: dict[str, Any] = {
        "title": "Daily digest",
        "format": "csv",
        "frequency": "daily",
        "weekday": None,
        "hour_utc": 6,
        "filters": {},
        "recipients": ["ana@example.com"],
    }
    assert check_entry(created, "report_schedule.created", "report_schedule", schedule["id"]) == described
    assert check_entry(deleted, "report_schedule.deleted", "report_schedule", schedule["id"]) == described
