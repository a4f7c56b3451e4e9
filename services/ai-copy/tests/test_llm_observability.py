"""LLM answers, tokens, cost, provider failures and budget refusals show on /metrics by provider."""

from __future__ import annotations

import pytest

from adpilot_common.testing.scrape import scrape

from .conftest import BRIEF, ServiceFactory
from .fake_llm import FakeLLM, Reply, google_json, llm_providers
from .test_llm_generation import CALL_COST


async def test_llm_use_is_counted_by_provider(ai_copy: ServiceFactory, fake_llm: FakeLLM) -> None:
    fake_llm.script("primary", Reply(status=500), Reply(content=google_json(1)))
    fake_llm.script("backup", Reply(content=google_json(1)))
    async with (
        ai_copy(providers=llm_providers(fake_llm), monthly_budget_usd="0.0003") as svc,
        svc.client() as http,
    ):
        backup, primary = "openai/backup", "openai/primary"
        cost = await scrape(http, "adpilot_llm_cost_usd_total", provider=backup)
        tokens = await scrape(http, "adpilot_llm_tokens_total", provider=backup, kind="prompt")
        answers = await scrape(http, "adpilot_llm_answers_total", provider=backup)
        failures = await scrape(http, "adpilot_llm_provider_failures_total", provider=primary)
        refusals = await scrape(http, "adpilot_llm_budget_refusals_total")

        first = await http.post("/api/ai-copy/generations", json=BRIEF, headers=svc.headers())
        assert first.status_code == 201 and first.json()["provider"] == backup  # the primary failed
        second = await http.post(
            "/api/ai-copy/generations", json={**BRIEF, "tone": "bold"}, headers=svc.headers()
        )
        assert second.status_code == 201 and second.json()["provider"] == primary
        refused = await http.post(
            "/api/ai-copy/generations", json={**BRIEF, "tone": "calm"}, headers=svc.headers()
        )
        assert refused.status_code == 402

        assert await scrape(http, "adpilot_llm_answers_total", provider=backup) == answers + 1
        assert await scrape(http, "adpilot_llm_cost_usd_total", provider=backup) == pytest.approx(
            cost + float(CALL_COST)
        )
        assert await scrape(http, "adpilot_llm_tokens_total", provider=backup, kind="prompt") == tokens + 100
        assert await scrape(http, "adpilot_llm_provider_failures_total", provider=primary) == failures + 1
        assert await scrape(http, "adpilot_llm_cost_usd_total", provider=primary) >= float(CALL_COST)
        assert await scrape(http, "adpilot_llm_budget_refusals_total") == refusals + 1
