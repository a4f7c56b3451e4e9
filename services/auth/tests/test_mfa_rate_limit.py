"""The MFA attempt limit: only failed codes count, in a moving 5-minute window shared by every replica."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from adpilot_auth.mfa import service
from adpilot_common.problems import Problem

from .conftest import PASSWORD, AuthApp, signed_in
from .test_mfa_flow import code_at, enable_mfa

# A clock-aligned boundary: a fixed 5-minute window would start afresh here.
BOUNDARY = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


async def _take(app: AuthApp, user_id: uuid.UUID, now: datetime) -> int:
    async with async_sessionmaker(app.engine)() as session, session.begin():
        return await service.take_attempt(session, app.settings, user_id, now=now)


async def _refused(app: AuthApp, user_id: uuid.UUID, now: datetime) -> Problem:
    with pytest.raises(Problem) as refused:
        await _take(app, user_id, now)
    assert refused.value.status == 429
    return refused.value


async def test_successful_codes_and_unrelated_refusals_do_not_count(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    totp, recovery_codes = await enable_mfa(auth_app, headers)  # enrol and confirm: two successes
    for code in recovery_codes[:2]:  # two sign-ins
        challenge = (await auth_app.login("ada@example.com")).json()["mfa_token"]
        signed = await auth_app.client.post(
            "/api/auth/login/mfa", json={"mfa_token": challenge, "code": code}
        )
        assert signed.status_code == 200, signed.text
    regenerated = await auth_app.client.post(
        "/api/auth/mfa/recovery-codes", json={"password": PASSWORD, "code": code_at(totp, 1)}, headers=headers
    )
    assert regenerated.status_code == 200, regenerated.text
    for _ in range(2):  # nothing to confirm: refused before any code is checked
        again = await auth_app.client.post(
            "/api/auth/mfa/totp/confirm", json={"code": "000000"}, headers=headers
        )
        assert again.status_code == 409

    # Five successes and two 409s later, the user still has every one of the five attempts.
    limit = auth_app.settings.mfa_max_attempts_per_5min
    challenge = (await auth_app.login("ada@example.com")).json()["mfa_token"]
    statuses = [
        (
            await auth_app.client.post("/api/auth/login/mfa", json={"mfa_token": challenge, "code": "000000"})
        ).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [401] * limit + [429]
    right = await auth_app.client.post(
        "/api/auth/login/mfa", json={"mfa_token": challenge, "code": regenerated.json()["recovery_codes"][0]}
    )
    assert right.status_code == 429  # even the right code waits until a failure ages out
    assert 1 <= int(right.headers["retry-after"]) <= 300
    assert await auth_app.scalar("SELECT count(*) FROM rate_limit_attempts") == limit


async def test_failures_are_limited_in_any_five_minutes_even_across_a_clock_aligned_boundary(
    auth_app: AuthApp,
):
    user_id = uuid.uuid4()
    limit = auth_app.settings.mfa_max_attempts_per_5min
    for _ in range(limit):
        await _take(auth_app, user_id, BOUNDARY - timedelta(seconds=10))
    refused = await _refused(auth_app, user_id, BOUNDARY + timedelta(seconds=1))
    assert refused.headers == {"Retry-After": str(300 - 11)}  # until the failures at B-10 s age out
    await _refused(auth_app, user_id, BOUNDARY + timedelta(seconds=289))
    # Another user's failures are their own.
    await _take(auth_app, uuid.uuid4(), BOUNDARY + timedelta(seconds=1))


async def test_the_user_may_try_again_once_failures_age_out_of_the_window(auth_app: AuthApp):
    user_id = uuid.uuid4()
    limit = auth_app.settings.mfa_max_attempts_per_5min
    for second in range(limit):  # failures at B, B+1 s, … B+4 s
        await _take(auth_app, user_id, BOUNDARY + timedelta(seconds=second))
    await _refused(auth_app, user_id, BOUNDARY + timedelta(seconds=299.5))
    # Only the oldest has aged out at B+300.5 s: one more attempt, then refused again.
    await _take(auth_app, user_id, BOUNDARY + timedelta(seconds=300.5))
    await _refused(auth_app, user_id, BOUNDARY + timedelta(seconds=300.6))
    await _take(auth_app, user_id, BOUNDARY + timedelta(seconds=301.5))


async def test_concurrent_attempts_cannot_overrun_the_limit(auth_app: AuthApp):
    user_id = uuid.uuid4()
    limit = auth_app.settings.mfa_max_attempts_per_5min
    outcomes = await asyncio.gather(
        *(_take(auth_app, user_id, BOUNDARY) for _ in range(limit * 2)), return_exceptions=True
    )
    assert sum(isinstance(o, int) for o in outcomes) == limit
    assert all(isinstance(o, int) or (isinstance(o, Problem) and o.status == 429) for o in outcomes)
