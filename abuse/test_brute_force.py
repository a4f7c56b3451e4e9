"""Password guessing against one account from one address: the gateway cuts the address off with 429 +
``Retry-After``, auth locks the account (so even the right password is refused meanwhile), and every refused
attempt that reached auth left a ``login.failed`` row in its audit log."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import asyncpg
import httpx
import pytest

from adpilot_common.devstack.launcher import LauncherProcess

from .conftest import LOGIN_LIMIT_PER_MINUTE
from .tenants import PASSWORD, Tenant, client, sign_up

ATTACKER_IP = "127.0.0.2"  # a source address of its own: its sign-in window starts empty
LOCKOUT_THRESHOLD = 5  # auth's default lockout_threshold


async def failed_logins(dsn: str, user_id: str) -> list[dict[str, Any]]:
    """auth's audit rows for refused sign-ins of one user (its audit API lists org events; these have no org)."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT action, changes, ip FROM audit_log WHERE actor_user_id = $1 AND action = 'login.failed' "
            "ORDER BY id",
            user_id,
        )
    finally:
        await connection.close()
    return [{**row, "changes": json.loads(row["changes"] or "{}")} for row in rows]


@pytest.fixture
def auth_dsn(request: pytest.FixtureRequest) -> str:
    """auth's database, read directly: the one place this suite looks behind the API."""
    if os.environ.get("ADPILOT_ABUSE_GATEWAY_URL"):
        given = os.environ.get("ADPILOT_ABUSE_AUTH_DSN")
        if not given:
            pytest.fail("set ADPILOT_ABUSE_AUTH_DSN too when the suite runs against a stack of your own")
        return given
    stack: LauncherProcess = request.getfixturevalue("stack")
    return f"postgresql://postgres@127.0.0.1:{stack.ports['postgres']}/adpilot_auth"


def test_password_guessing_is_cut_off_locked_and_audited(
    http: httpx.Client, gateway_url: str, auth_dsn: str
) -> None:
    victim: Tenant = sign_up(http, "guessed")
    answers: list[httpx.Response] = []
    with client(gateway_url, source_ip=ATTACKER_IP) as attacker:
        for attempt in range(LOGIN_LIMIT_PER_MINUTE + 5):
            response = attacker.post(
                "/api/auth/login", json={"email": victim.email, "password": f"guess-{attempt}"}
            )
            answers.append(response)
            if response.status_code == 429:
                break
        statuses = [r.status_code for r in answers]
        refused = answers[-1]
        assert refused.status_code == 429, statuses
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert statuses[:-1] == [401] * (len(statuses) - 1), statuses  # same answer for every wrong guess
        assert len(statuses) - 1 >= LOCKOUT_THRESHOLD
        # Still cut off, even with the right password: the address is refused before auth sees it.
        assert (
            attacker.post("/api/auth/login", json={"email": victim.email, "password": PASSWORD}).status_code
            == 429
        )

    # From elsewhere the right password is refused too while the account is locked: same 401 as a wrong one.
    locked = http.post("/api/auth/login", json={"email": victim.email, "password": PASSWORD})
    assert locked.status_code == 401, locked.text

    rows = asyncio.run(failed_logins(auth_dsn, victim.user_id))
    reasons = [row["changes"].get("reason") for row in rows]
    guesses = len(statuses) - 1
    # Every guess reached auth (the gateway refused only the last), and so did the locked-out right password.
    assert len(rows) == guesses + 1, reasons
    assert reasons[:LOCKOUT_THRESHOLD] == ["wrong_password"] * LOCKOUT_THRESHOLD, reasons
    assert reasons[-1] == "locked", reasons
    print(
        f"\nbrute force: {guesses} guesses answered 401, then 429 (Retry-After {refused.headers['retry-after']} s);"
        f" {len(rows)} login.failed audit rows ({reasons.count('wrong_password')} wrong_password,"
        f" {reasons.count('locked')} locked)"
    )
