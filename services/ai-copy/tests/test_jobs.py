"""Async and bulk requests run as leased jobs: progress through GET, outcome as copy.v1.generated/failed."""

from __future__ import annotations

from typing import Any

from adpilot_common.testing.waiting import eventually

from .conftest import BRIEF, AiCopyService, ServiceFactory, events_of, next_event
from .fake_llm import FakeLLM, Reply, google_json, llm_providers


async def finished(svc: AiCopyService, path: str) -> dict[str, Any]:
    """Poll the API (as a client would) until the job or batch is finished."""
    result: dict[str, Any] = {}

    async def done() -> bool:
        async with svc.client() as http:
            result.update((await http.get(path, headers=svc.headers("viewer"))).json())
        return result.get("finished") is True or result.get("status") in ("succeeded", "failed")

    await eventually(done)
    return result


async def test_async_request_runs_as_a_job_and_publishes_generated(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        r = await http.post("/api/ai-copy/generations", json={**BRIEF, "async": True}, headers=svc.headers())
        assert r.status_code == 202, r.text
        queued = r.json()
        assert queued["status"] in ("queued", "running", "succeeded") and queued["async"] is True
        assert r.headers["location"] == f"/api/ai-copy/generations/{queued['id']}"
        event = await next_event(svc.js, "copy.v1.generated")
        data = event["data"]
        assert (data["generation_id"], data["provider"], data["offline"], data["cached"]) == (
            queued["id"], "offline", True, False
        )  # fmt: skip
        done = await finished(svc, f"/api/ai-copy/generations/{queued['id']}")
        assert done["status"] == "succeeded" and done["provider"] == "offline"
        assert data["variant_ids"] == [v["id"] for v in done["variants"]]


async def test_bulk_generation_shows_progress_and_announces_each_result(ai_copy: ServiceFactory) -> None:
    async with ai_copy(job_concurrency=2) as svc, svc.client() as http:
        items = [
            {**BRIEF, "product": f"Coffee blend {i}", "platforms": ["google", "tiktok"]} for i in range(4)
        ]
        r = await http.post("/api/ai-copy/generations/bulk", json={"items": items}, headers=svc.headers())
        assert r.status_code == 202, r.text
        batch = r.json()
        assert batch["total"] == 4 and len(batch["generations"]) == 4
        done = await finished(svc, f"/api/ai-copy/batches/{batch['batch_id']}")
        assert (done["succeeded"], done["failed"], done["queued"], done["running"]) == (4, 0, 0, 0)
        assert sorted(g["request"]["product"] for g in done["generations"]) == [
            f"Coffee blend {i}" for i in range(4)
        ]

        async def announced() -> bool:
            return len(await events_of(svc.js, "copy.v1.generated")) == 4

        await eventually(announced)
        events = await events_of(svc.js, "copy.v1.generated")
        assert {e["data"]["batch_id"] for e in events} == {batch["batch_id"]}
        too_many = await http.post(
            "/api/ai-copy/generations/bulk", json={"items": items * 20}, headers=svc.headers()
        )
        assert too_many.status_code == 422 and too_many.json()["errors"][0]["loc"] == ["body", "items"]


async def test_job_retries_when_providers_are_down_then_succeeds(
    ai_copy: ServiceFactory, fake_llm: FakeLLM
) -> None:
    fake_llm.script("primary", Reply(status=503), Reply(content=google_json(1)))
    fake_llm.script("backup", Reply(status=500))
    settings = {"providers": llm_providers(fake_llm), "job_retry_delay_s": 0, "job_max_attempts": 2}
    async with ai_copy(**settings) as svc, svc.client() as http:
        r = await http.post("/api/ai-copy/generations", json={**BRIEF, "async": True}, headers=svc.headers())
        event = await next_event(svc.js, "copy.v1.generated")
        assert event["data"]["provider"] == "openai/primary"
        done = await finished(svc, f"/api/ai-copy/generations/{r.json()['id']}")
        assert done["status"] == "succeeded"
        assert [q["body"]["model"] for q in fake_llm.requests] == ["primary", "backup", "primary"]
        attempts = await svc.rows("SELECT attempts FROM generations")
        assert attempts == [{"attempts": 2}]


async def test_job_fails_with_copy_failed_when_providers_stay_down(
    ai_copy: ServiceFactory, fake_llm: FakeLLM
) -> None:
    fake_llm.script("primary", Reply(status=500))
    fake_llm.script("backup", Reply(status=500))
    settings = {"providers": llm_providers(fake_llm), "job_max_attempts": 1}
    async with ai_copy(**settings) as svc, svc.client() as http:
        r = await http.post("/api/ai-copy/generations", json={**BRIEF, "async": True}, headers=svc.headers())
        event = await next_event(svc.js, "copy.v1.failed")
        assert event["data"]["reason"] == "provider_unavailable"
        assert "openai/primary: InternalServerError (HTTP 500)" in event["data"]["message"]
        done = await finished(svc, f"/api/ai-copy/generations/{r.json()['id']}")
        assert (done["status"], done["failure_reason"]) == ("failed", "provider_unavailable")
