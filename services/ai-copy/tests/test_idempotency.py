"""Idempotency-Key on POST /generations: a retried or doubled submission answers the first one's generation
(no second row, LLM call, usage or event), another body with the key is refused, keys are per org and user."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from adpilot_common.testing.waiting import eventually

from .conftest import BRIEF, AiCopyService, ServiceFactory
from .fake_llm import FakeLLM, Reply, google_json, llm_providers

URL = "/api/ai-copy/generations"


def keyed(svc: AiCopyService, key: str | bytes, **who: Any) -> dict[str, Any]:
    return {**svc.headers(**who), "Idempotency-Key": key}


async def count(svc: AiCopyService, table: str, where: str = "TRUE") -> int:
    sql = f"SELECT count(*) AS n FROM {table} WHERE {where}"  # noqa: S608 (the tests' own constants)
    return int((await svc.rows(sql))[0]["n"])


async def test_a_retry_with_the_key_replays_the_first_generation(
    ai_copy: ServiceFactory, fake_llm: FakeLLM
) -> None:
    fake_llm.script("primary", Reply(content=google_json(1)), Reply(content=google_json(1)))
    async with ai_copy(providers=llm_providers(fake_llm), cache_ttl_days=0) as svc, svc.client() as http:
        key = str(uuid.uuid4())
        first = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        assert first.status_code == 201, first.text
        assert "idempotent-replayed" not in first.headers
        again = await http.post(URL, json=dict(reversed(BRIEF.items())), headers=keyed(svc, key))
        assert again.status_code == 201, again.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == first.headers["location"]
        assert again.json() == first.json()
        assert len(fake_llm.calls("primary")) == 1
        assert await count(svc, "generations") == 1
        assert await count(svc, "llm_usage") == 1
        assert await count(svc, "outbox_messages", "subject = 'copy.v1.generated'") == 1
        # a replay is not another request against the rate limit either
        assert (await svc.rows("SELECT sum(hits) AS n FROM rate_limit_windows"))[0]["n"] == 1


async def test_concurrent_async_requests_with_one_key_make_one_generation(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        key = str(uuid.uuid4())
        body = {**BRIEF, "async": True}
        answers = await asyncio.gather(
            *(http.post(URL, json=body, headers=keyed(svc, key)) for _ in range(10))
        )
        assert [r.status_code for r in answers] == [202] * 10, [r.text for r in answers]
        assert len({r.json()["id"] for r in answers}) == 1
        assert sum(r.headers.get("idempotent-replayed") == "true" for r in answers) == 9
        assert await count(svc, "generations") == 1
        assert await count(svc, "idempotency_keys", "status_code = 202") == 1


async def test_concurrent_sync_requests_with_one_key_make_one_generation(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        key = str(uuid.uuid4())
        answers = await asyncio.gather(
            *(http.post(URL, json=BRIEF, headers=keyed(svc, key)) for _ in range(10))
        )
        # the first one generates; the others replay it, or got 409 while it was still running
        assert {r.status_code for r in answers} <= {201, 409}, [r.text for r in answers]
        created = [r for r in answers if r.status_code == 201]
        assert len({r.json()["id"] for r in created}) == 1
        assert sum(r.headers.get("idempotent-replayed") is None for r in created) == 1
        assert await count(svc, "generations") == 1
        assert await count(svc, "outbox_messages", "subject = 'copy.v1.generated'") == 1


async def test_a_retry_while_the_first_request_runs_is_409(
    ai_copy: ServiceFactory, fake_llm: FakeLLM
) -> None:
    fake_llm.script("primary", Reply(content=google_json(1), hang=True))
    async with ai_copy(providers=llm_providers(fake_llm, timeout_s=60)) as svc, svc.client() as http:
        key = str(uuid.uuid4())
        first = asyncio.create_task(http.post(URL, json=BRIEF, headers=keyed(svc, key)))

        async def asked() -> bool:
            return len(fake_llm.requests) == 1

        await eventually(asked)
        busy = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        assert busy.status_code == 409, busy.text
        assert busy.headers["content-type"] == "application/problem+json"
        assert "retry-after" in busy.headers
        fake_llm.release.set()
        done = await first
        assert done.status_code == 201, done.text
        again = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        assert (again.status_code, again.json()["id"]) == (201, done.json()["id"])
        assert again.headers["idempotent-replayed"] == "true"
        assert len(fake_llm.requests) == 1 and await count(svc, "generations") == 1


async def test_a_failed_request_is_replayed_as_its_problem(
    ai_copy: ServiceFactory, fake_llm: FakeLLM
) -> None:
    fake_llm.script("primary", Reply(status=500))
    fake_llm.script("backup", Reply(status=500))
    async with ai_copy(providers=llm_providers(fake_llm)) as svc, svc.client() as http:
        key = str(uuid.uuid4())
        first = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        assert first.status_code == 503, first.text
        again = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        assert again.status_code == 503 and again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["retry-after"] == first.headers["retry-after"]
        assert len(fake_llm.requests) == 2  # primary and backup once, not again
        assert await count(svc, "generations") == 1
        assert await count(svc, "outbox_messages", "subject = 'copy.v1.failed'") == 1


async def test_the_key_with_another_body_is_refused(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        key = str(uuid.uuid4())
        assert (await http.post(URL, json=BRIEF, headers=keyed(svc, key))).status_code == 201
        for other in ({**BRIEF, "product": "Tea Club"}, {**BRIEF, "async": True}):
            r = await http.post(URL, json=other, headers=keyed(svc, key))
            assert r.status_code == 422, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["title"] == "Idempotency key reused with a different request"
        assert await count(svc, "generations") == 1


async def test_keys_belong_to_their_org_and_user(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        key = "same-key"
        mine = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        colleague = await http.post(URL, json=BRIEF, headers=keyed(svc, key, user=uuid.uuid4()))
        other_org = await http.post(URL, json=BRIEF, headers=keyed(svc, key, org=uuid.uuid4()))
        for r in (mine, colleague, other_org):
            assert r.status_code == 201, r.text
            assert "idempotent-replayed" not in r.headers
        assert len({r.json()["id"] for r in (mine, colleague, other_org)}) == 3
        assert await count(svc, "generations") == 3


async def test_a_key_older_than_a_day_starts_a_new_request(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        key = str(uuid.uuid4())
        first = await http.post(URL, json=BRIEF, headers=keyed(svc, key))
        async with svc.engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        later = await http.post(URL, json={**BRIEF, "product": "Tea Club"}, headers=keyed(svc, key))
        assert later.status_code == 201, later.text
        assert later.json()["id"] != first.json()["id"] and "idempotent-replayed" not in later.headers
        assert await count(svc, "idempotency_keys") == 1


async def test_a_refused_request_leaves_its_key_free(ai_copy: ServiceFactory) -> None:
    async with ai_copy(monthly_budget_usd=0) as svc, svc.client() as http:
        for body in (BRIEF, {**BRIEF, "async": True}):
            r = await http.post(URL, json=body, headers=keyed(svc, str(uuid.uuid4())))
            assert r.status_code == 402, r.text
        assert await count(svc, "idempotency_keys") == 0


async def test_malformed_keys_are_refused(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        for bad in ("", "k" * 256, "clé".encode("latin-1")):
            r = await http.post(URL, json=BRIEF, headers=keyed(svc, bad))
            assert r.status_code == 422, (bad, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
        assert await count(svc, "generations") == 0
        longest = await http.post(URL, json=BRIEF, headers=keyed(svc, "k" * 255))
        assert longest.status_code == 201, longest.text


async def test_without_a_key_every_request_is_new(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        answers: list[httpx.Response] = [
            await http.post(URL, json=BRIEF, headers=svc.headers()) for _ in range(2)
        ]
        assert [r.status_code for r in answers] == [201, 201]
        assert answers[0].json()["id"] != answers[1].json()["id"]
        assert all("idempotent-replayed" not in r.headers for r in answers)
        assert await count(svc, "generations") == 2
