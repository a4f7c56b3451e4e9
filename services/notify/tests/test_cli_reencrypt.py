"""``python -m adpilot_notify.cli reencrypt-webhook-secrets``: after a key rotation the old key can be dropped,
and receivers keep verifying signatures with the secret they were given."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_common.crypto import SecretBox, generate_key
from adpilot_common.testing.commands import run_command
from adpilot_notify.config import Settings
from adpilot_notify.webhooks.signing import verify

from .conftest import Notify

OLD_KEY, NEW_KEY = generate_key(), generate_key()
SECRET = "whsec_secret-shown-once-before-the-rotation"


async def run_cli(database_url: str, keys: str) -> str:
    env = {"NOTIFY_DATABASE_URL": database_url, "NOTIFY_ENVIRONMENT": "test", "NOTIFY_FERNET_KEYS": keys}
    return await run_command("adpilot_notify.cli", "reencrypt-webhook-secrets", env=env)


async def stored_secrets(database_url: str) -> list[bytes]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT secret_encrypted FROM webhook_endpoints ORDER BY id"))
            return [bytes(r[0]) for r in rows]
    finally:
        await engine.dispose()


async def test_reencrypted_webhook_secrets_sign_with_only_the_new_key(
    notify_settings: Callable[..., Settings],
    start_notify: Callable[..., Awaitable[Notify]],
    fake_http: Callable[[], Awaitable[Any]],
) -> None:
    receiver = await fake_http()
    database_url = notify_settings().database_url
    org, admin, hook_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # An endpoint created before the rotation: its secret is under the old key.
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO webhook_endpoints (id, org_id, url, event_types, secret_encrypted, enabled, "
                "consecutive_failures, created_by) VALUES (:id, :org, :url, :types, :secret, true, 0, :by)"
            ),
            {
                "id": hook_id,
                "org": org,
                "url": f"{receiver.url}/hooks/adpilot",
                "types": ["report.v1.failed"],
                "secret": SecretBox([OLD_KEY]).encrypt(SECRET),
                "by": admin,
            },
        )
    await engine.dispose()
    [before] = await stored_secrets(database_url)

    assert await run_cli(database_url, f"{NEW_KEY},{OLD_KEY}") == "re-encrypted 1 values"
    assert await run_cli(database_url, f"{NEW_KEY},{OLD_KEY}") == "re-encrypted 0 values"  # idempotent
    [after] = await stored_secrets(database_url)
    assert after != before and SecretBox([NEW_KEY]).decrypt(after).decode() == SECRET

    # The old key is dropped: a test delivery is still signed with the secret the receiver holds.
    notify = await start_notify(fernet_keys=NEW_KEY)
    async with notify.client() as client:
        sent = await client.post(f"/api/notify/webhooks/{hook_id}/test", headers=notify.headers(org, admin))
    assert sent.status_code == 202, sent.text
    [delivery] = await notify.settled(id=uuid.UUID(sent.json()["delivery_id"]))
    assert delivery["status"] == "succeeded", delivery
    _, headers, body = receiver.requests[-1]
    timestamp = int(headers["x-adpilot-timestamp"])
    assert verify(SECRET, timestamp, body, headers["x-adpilot-signature"], now=int(time.time()))
