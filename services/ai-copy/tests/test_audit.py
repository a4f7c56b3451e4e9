"""Copy approvals, brand voice and AI budget changes are written to the org's audit log: each write stages one
``audit.v1.requested`` with the change (as the caller, naming the target, never the copy or the brand's texts);
a refused write, or one that changes nothing, stages none."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from adpilot_common.testing.audit import actions, staged_audit

from .conftest import AiCopyService, ServiceFactory
from .test_variants import generate


def check_entry(
    svc: AiCopyService, entry: dict[str, Any], action: str, resource_type: str, resource_id: str
) -> dict[str, Any]:
    assert entry["org_id"] == str(svc.org) and entry["source"] == "ai-copy"
    data = entry["data"]
    assert (data["action"], data["actor_user_id"]) == (action, str(svc.user))
    assert (data["resource_type"], data["resource_id"]) == (resource_type, resource_id)
    changes: dict[str, Any] = data["changes"]
    return changes


async def test_approvals_are_audited_with_their_target_not_the_copy(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        out = await generate(svc, http, variants=2)
        first, second = out["variants"]
        account = uuid.uuid4()
        target = {"account_id": str(account), "ad_group_id": "adgroup-123"}
        unknown = await http.post(
            f"/api/ai-copy/variants/{uuid.uuid4()}/approve", json={}, headers=svc.headers()
        )
        assert unknown.status_code == 404
        approved = await http.post(
            f"/api/ai-copy/variants/{first['id']}/approve", json=target, headers=svc.headers()
        )
        assert approved.status_code == 200, approved.text
        again = await http.post(
            f"/api/ai-copy/variants/{first['id']}/approve", json=target, headers=svc.headers()
        )
        assert again.status_code == 409
        untargeted = await http.post(
            f"/api/ai-copy/variants/{second['id']}/approve", json={}, headers=svc.headers()
        )
        assert untargeted.status_code == 200, untargeted.text

    entries = await staged_audit(svc.engine)
    assert actions(entries) == ["copy.approved", "copy.approved"]
    assert check_entry(svc, entries[0], "copy.approved", "copy", first["id"]) == {
        "generation_id": out["id"],
        "platform": "google",
        "account_id": str(account),
        "ad_group_id": "adgroup-123",
        "final_url": "https://roastery.example/club",
        "reapproval": False,
    }
    assert check_entry(svc, entries[1], "copy.approved", "copy", second["id"])["account_id"] is None
    assert first["fields"]["headlines"][0] not in json.dumps(entries)  # the copy stays out of the log


async def test_brand_voice_and_budget_changes_are_audited(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        admin = svc.headers("admin")
        voice = {"voice": "warm, plain", "guidelines": "Never promise results.", "banned_terms": ["cheap"]}
        assert (await http.put("/api/ai-copy/brand-voice", json=voice, headers=admin)).status_code == 200
        assert (await http.put("/api/ai-copy/brand-voice", json=voice, headers=admin)).status_code == 200
        changed = {
            **voice,
            "guidelines": "Never promise results. Say 'we'.",
            "banned_terms": ["free", "guaranteed"],
        }
        assert (await http.put("/api/ai-copy/brand-voice", json=changed, headers=admin)).status_code == 200
        too_long = await http.put("/api/ai-copy/brand-voice", json={"voice": "x" * 2001}, headers=admin)
        assert too_long.status_code == 422

        for amount in ("25", "25.000000", None):
            response = await http.put(
                "/api/ai-copy/budget", json={"monthly_budget_usd": amount}, headers=admin
            )
            assert response.status_code == 200, response.text
        negative = await http.put("/api/ai-copy/budget", json={"monthly_budget_usd": "-1"}, headers=admin)
        assert negative.status_code == 422

    entries = await staged_audit(svc.engine)
    assert actions(entries) == [
        "brand_voice.updated",
        "brand_voice.updated",
        "ai_budget.updated",
        "ai_budget.updated",
    ]
    org = str(svc.org)
    assert check_entry(svc, entries[0], "brand_voice.updated", "brand_voice", org) == {
        "version": 1,
        "changed": ["voice", "guidelines"],
        "banned_terms_added": ["cheap"],
        "banned_terms_removed": [],
    }
    assert check_entry(svc, entries[1], "brand_voice.updated", "brand_voice", org) == {
        "version": 3,  # the unchanged save bumped the version too
        "changed": ["guidelines"],
        "banned_terms_added": ["free", "guaranteed"],
        "banned_terms_removed": ["cheap"],
    }
    assert "Never promise" not in json.dumps(entries)
    assert check_entry(svc, entries[2], "ai_budget.updated", "ai_budget", org) == {
        "monthly_budget_usd": {"old": None, "new": "25"}
    }
    assert check_entry(svc, entries[3], "ai_budget.updated", "ai_budget", org) == {
        "monthly_budget_usd": {"old": "25", "new": None}
    }


async def test_changing_the_budget_answers_the_new_amount(ai_copy: ServiceFactory) -> None:
    """The audit's read of the old amount must not leave a stale copy for the answer to show."""
    async with ai_copy() as svc, svc.client() as http:
        admin = svc.headers("admin")
        answers = []
        for amount in ("25", "50", None):
            put = await http.put("/api/ai-copy/budget", json={"monthly_budget_usd": amount}, headers=admin)
            assert put.status_code == 200, put.text
            got = await http.get("/api/ai-copy/budget", headers=admin)
            assert put.json() == got.json()
            answers.append((put.json()["monthly_budget_usd"], put.json()["source"]))
    assert [source for _, source in answers] == ["org", "org", "default"]
    assert Decimal(answers[0][0]) == 25 and Decimal(answers[1][0]) == 50
