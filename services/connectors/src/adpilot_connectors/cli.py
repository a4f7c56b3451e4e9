"""Operator commands: ``python -m adpilot_connectors.cli reencrypt-tokens``.

* ``reencrypt-tokens``: after putting a new key first in ``CONNECTORS_FERNET_KEYS``, re-encrypt every stored
  platform access/refresh token and PKCE verifier under it; afterwards the old key can be dropped from the
  setting. Idempotent: values already under the primary key are left alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.reencrypt import reencrypt_command, rotate_all
from adpilot_connectors.config import Settings
from adpilot_connectors.models import OAuthState, PlatformConnection


async def reencrypt(session: AsyncSession, box: SecretBox) -> int:
    """Rotate every encrypted column to the primary key; returns how many values changed."""
    connections = (await session.execute(select(PlatformConnection).with_for_update())).scalars().all()
    changed = rotate_all(box, connections, "access_token_encrypted")
    changed += rotate_all(box, connections, "refresh_token_encrypted")
    states = await session.execute(
        select(OAuthState).where(OAuthState.code_verifier_encrypted.is_not(None)).with_for_update()
    )
    return changed + rotate_all(box, states.scalars(), "code_verifier_encrypted")


def main(argv: list[str] | None = None) -> None:
    reencrypt_command(__doc__, "reencrypt-tokens", Settings, reencrypt, argv)


if __name__ == "__main__":
    main()
