"""Operator commands: ``python -m adpilot_notify.cli reencrypt-webhook-secrets``.

* ``reencrypt-webhook-secrets``: after putting a new key first in ``NOTIFY_FERNET_KEYS``, re-encrypt every
  webhook signing secret under it; afterwards the old key can be dropped from the setting. Idempotent: secrets
  already under the primary key are left alone. Receivers keep verifying with the same secret.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.reencrypt import reencrypt_command, rotate_all
from adpilot_notify.config import Settings
from adpilot_notify.models.webhook import WebhookEndpoint


async def reencrypt(session: AsyncSession, box: SecretBox) -> int:
    """Rotate every webhook secret to the primary key; returns how many values changed."""
    endpoints = (await session.execute(select(WebhookEndpoint).with_for_update())).scalars()
    return rotate_all(box, endpoints, "secret_encrypted")


def main(argv: list[str] | None = None) -> None:
    reencrypt_command(__doc__, "reencrypt-webhook-secrets", Settings, reencrypt, argv)


if __name__ == "__main__":
    main()
