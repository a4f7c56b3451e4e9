"""The auth process stops promptly on SIGTERM even after its revocation listener has been busy."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx

from adpilot_common.devstack.ports import free_port
from adpilot_common.events.contracts.session import SessionRevoked
from adpilot_common.messaging.outbox import build_event


async def test_auth_exits_zero_soon_after_sigterm_with_revocations_flowing(
    new_database, nats_server, nats_client
):
    port = free_port()
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": new_database("auth"),
        "AUTH_NATS_URL": nats_server.url,
        "AUTH_ENVIRONMENT": "test",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adpilot_common.serve",
        "auth",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        js = nats_client.jetstream()
        for _ in range(3):
            event = build_event(
                "session.v1.revoked",
                SessionRevoked(
                    session_id=uuid.uuid4(), user_id=uuid.uuid4(), revoked_at=datetime.now(UTC), reason="test"
                ),
                source="auth",
            )
            await js.publish("session.v1.revoked", event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})
        await asyncio.sleep(0.5)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=30) == 0
        assert time.monotonic() - started < 10  # graceful, not killed at a supervisor's timeout
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
