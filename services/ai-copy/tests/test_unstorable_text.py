"""Lone surrogates reach JSONB columns (edited fields, queued briefs) as JSON escapes PostgreSQL refuses: the
answer is the shared 422 "Unstorable text", never a 500."""

from __future__ import annotations

from .conftest import BRIEF, ServiceFactory


async def test_lone_surrogates_in_jsonb_text_are_a_422(ai_copy: ServiceFactory) -> None:
    async with ai_copy() as svc, svc.client() as http:
        headers = {**svc.headers(), "content-type": "application/json"}
        out = await http.post(
            "/api/ai-copy/generations", json={**BRIEF, "platforms": ["meta"]}, headers=headers
        )
        assert out.status_code == 201, out.text
        variant = out.json()["variants"][0]["id"]
        # Raw bodies: the escapes are what a client sends; json.loads turns them into lone surrogates.
        edit = await http.patch(
            f"/api/ai-copy/variants/{variant}",
            content=b'{"fields":{"primary_text":"Hello \\udfff friend"}}',
            headers=headers,
        )
        assert edit.status_code == 422, edit.text
        assert edit.json()["title"] == "Unstorable text"
        bulk = await http.post(
            "/api/ai-copy/generations/bulk",
            content=b'{"items":[{"product":"ok","audience":"x","platforms":["tiktok"],"keywords":["\\udc00"]}]}',
            headers=headers,
        )
        assert bulk.status_code == 422, bulk.text
        assert bulk.json()["title"] == "Unstorable text"
        # Nothing was stored, and the service still works.
        assert (await http.get(f"/api/ai-copy/variants/{variant}", headers=headers)).json()["edited"] is False
        again = await http.post("/api/ai-copy/generations", json=BRIEF, headers=headers)
        assert again.status_code == 201, again.text
