"""Creating things twice and malformed input: answered with problem+json, never a 500."""

from __future__ import annotations

import asyncio
import uuid

from .conftest import Notify


async def test_adding_a_destination_twice_is_a_409_also_when_concurrent(notify: Notify) -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    headers = notify.headers(org, user, role="viewer")
    body = {"channel": "email", "address": "bob-dup@example.com"}
    async with notify.client() as client:
        answers = await asyncio.gather(
            *(client.post("/api/notify/destinations", json=body, headers=headers) for _ in range(10))
        )
        assert sorted(r.status_code for r in answers) == [201] + [409] * 9, [r.text for r in answers]
        [created] = [r.json() for r in answers if r.status_code == 201]
        for refused in (r for r in answers if r.status_code == 409):
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["title"] == "Destination already exists"
            assert refused.json()["destination_id"] == created["id"]
        # Later, typed differently: the same answer (a new code is what .../resend is for).
        again = await client.post(
            "/api/notify/destinations",
            json={"channel": "email", "address": "Bob-Dup@Example.com"},
            headers=headers,
        )
        assert again.status_code == 409 and again.json()["destination_id"] == created["id"]
    assert len(await notify.rows("SELECT id FROM destinations WHERE user_id = :u", u=user)) == 1
    assert len(await notify.deliveries(event_type="notify.destination_code")) == 1  # one code sent
