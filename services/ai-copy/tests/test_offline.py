"""The offline generator: deterministic, labelled, and its copy passes every platform's rules."""

from __future__ import annotations

from typing import Any

import pytest

from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.generation.engine import Engine, Ledger
from adpilot_ai_copy.providers.offline import OfflineProvider
from adpilot_ai_copy.rules.banned import BannedTerms
from adpilot_ai_copy.rules.platforms import PLATFORMS, RuleContext, copy_fields, validate_copy

from .conftest import BRIEF, ServiceFactory

BRIEFS = {
    "latin": {**BRIEF, "keywords": ["espresso beans", "coffee subscription"]},
    "cjk": {"product": "スペシャルティコーヒー豆の定期便サービス", "offer": "初回限定で二十パーセント割引",
            "audience": "自宅でエスプレッソを楽しむ方", "tone": "丁寧", "language": "ja", "platforms": ["google"]},
    "long": {"product": "Extraordinarily Comprehensive Professional Espresso Machine Maintenance Programme",
             "offer": "Three months of descaling tablets, gaskets and filter baskets for the price of one",
             "audience": "cafe owners who run two or more commercial espresso machines every single day",
             "tone": "bold", "platforms": ["google"]},
    "tiny": {"product": "Tea", "audience": "you", "platforms": ["google"]},
}  # fmt: skip
RULES = RuleContext(BannedTerms.of(["guaranteed", "today"]), meta_primary_text_max=500)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("name", sorted(BRIEFS))
async def test_offline_copy_passes_the_rules_of_every_platform(platform: str, name: str) -> None:
    brief = CopyBrief.model_validate({**BRIEFS[name], "platforms": [platform], "variants": 5})
    ledger = Ledger()
    copies = await Engine(OfflineProvider(), max_repairs=0).variants(brief, platform, 5, RULES, {}, ledger)
    assert len(copies) == 5
    assert len({str(copy_fields(c)) for c in copies}) == 5  # variants differ
    for copy in copies:
        fields = copy_fields(copy)
        assert validate_copy(platform, fields, RULES) == (copy, [])
        assert "today" not in str(fields).casefold()  # the org's banned word is avoided, not just refused
    assert [c.offline for c in ledger.completions] == [True]  # valid at the first answer: no re-ask
    assert ledger.cost_usd == 0


async def test_offline_copy_is_deterministic() -> None:
    brief = CopyBrief.model_validate({**BRIEF, "variants": 3})
    engine = Engine(OfflineProvider(), max_repairs=0)
    first = await engine.variants(brief, "google", 3, RULES, {}, Ledger())
    second = await engine.variants(brief, "google", 3, RULES, {}, Ledger())
    assert first == second


async def test_offline_is_the_default_and_is_labelled(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        body: dict[str, Any] = {**BRIEF, "platforms": ["google", "meta", "tiktok"], "variants": 2}
        r = await http.post("/api/ai-copy/generations", json=body, headers=svc.headers())
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["provider"] == "offline" and out["offline"] is True
        assert out["status"] == "succeeded" and out["usage"]["cost_usd"] == "0"
        assert [(v["platform"], v["position"]) for v in out["variants"]] == [
            ("google", 0), ("google", 1), ("meta", 0), ("meta", 1), ("tiktok", 0), ("tiktok", 1)
        ]  # fmt: skip
        for v in out["variants"]:
            assert validate_copy(v["platform"], v["fields"], RuleContext(meta_primary_text_max=500))[1] == []
