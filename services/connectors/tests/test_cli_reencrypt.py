"""``python -m adpilot_connectors.cli reencrypt-tokens``: after a key rotation the old key can be dropped."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from adpilot_common.crypto import SecretBox, generate_key
from adpilot_common.testing.commands import run_command
from adpilot_connectors.credentials import seal, unseal
from adpilot_connectors.models import PlatformConnection

from .conftest import ConnectorsApp

GOOGLE_ACCESS = "ya29.access-token-before-rotation"
GOOGLE_REFRESH = "1//refresh-token-before-rotation"


async def run_cli(app: ConnectorsApp, keys: str) -> str:
    env = {
        "CONNECTORS_DATABASE_URL": app.settings.database_url,
        "CONNECTORS_ENVIRONMENT": "test",
        "CONNECTORS_FERNET_KEYS": keys,
    }
    return await run_command("adpilot_connectors.cli", "reencrypt-tokens", env=env)


async def encrypted_values(app: ConnectorsApp) -> list[str]:
    rows = await app.rows(
        "SELECT access_token_encrypted AS v FROM platform_connections "
        "UNION ALL SELECT refresh_token_encrypted FROM platform_connections WHERE refresh_token_encrypted IS NOT NULL "
        "UNION ALL SELECT code_verifier_encrypted FROM oauth_states WHERE code_verifier_encrypted IS NOT NULL"
    )
    return [r["v"] for r in rows]


async def test_reencrypt_moves_every_token_to_the_new_key(
    connectors_settings: Callable[..., Any], start_connectors: Any
) -> None:
    # Google only needs to be configured for the authorize step, which stores an encrypted PKCE verifier.
    settings = connectors_settings(
        google={"client_id": "id", "client_secret": "secret", "developer_token": "dev"}
    )
    async with start_connectors(settings) as app:
        member = app.tenant("member")
        assert (
            await app.client.post("/api/connectors/connections/sandbox", headers=member.headers)
        ).status_code == 201
        started = await app.client.post(
            "/api/connectors/connections/google/authorize", headers=member.headers
        )
        assert started.status_code == 200
        old_box = app.connectors.box
        async with app.connectors.sessions() as session, session.begin():
            session.add(
                PlatformConnection(
                    id=uuid.uuid4(),
                    org_id=member.org_id,
                    platform="google",
                    created_by=member.user_id,
                    label="Google Ads",
                    access_token_encrypted=seal(old_box, GOOGLE_ACCESS),
                    refresh_token_encrypted=seal(old_box, GOOGLE_REFRESH),
                    token_expires_at=datetime.now(UTC) + timedelta(hours=1),
                )
            )
        before = await encrypted_values(app)
        plaintexts = sorted(unseal(old_box, v) for v in before)
        assert len(before) == 4  # sandbox placeholder, Google access + refresh, PKCE verifier

        new_key = generate_key()
        old_keys = app.settings.fernet_keys.get_secret_value()
        assert await run_cli(app, f"{new_key},{old_keys}") == "re-encrypted 4 values"

        after = await encrypted_values(app)
        new_only = SecretBox([new_key])
        assert sorted(unseal(new_only, v) for v in after) == plaintexts  # readable without the old key
        assert GOOGLE_ACCESS in plaintexts and not any(
            GOOGLE_ACCESS in v or GOOGLE_REFRESH in v for v in after
        )
        # Idempotent: nothing is left under the old key.
        assert await run_cli(app, f"{new_key},{old_keys}") == "re-encrypted 0 values"
        assert await run_cli(app, new_key) == "re-encrypted 0 values"
