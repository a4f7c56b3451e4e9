"""Operator commands: ``python -m adpilot_connectors.cli reencrypt-tokens``.

* ``reencrypt-tokens``: after putting a new key first in ``CONNECTORS_FERNET_KEYS``, re-encrypt every stored
  platform access/refresh token and PKCE verifier under it; afterwards the old key can be dropped from the
  setting. Idempotent: values already under the primary key are left alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.reencrypt import reencrypt_command
from adpilot_connectors.config import Settings
from adpilot_connectors.models import OAuthState, PlatformConnection


def _rotated(box: SecretBox, value: str | None) -> str | None:
    """The value under the primary key, or None when it already is (or there is none)."""
    if value is None or not box.needs_rotation(value):
        return None
    return box.rotate(value).decode()


async def reencrypt(session: AsyncSession, box: SecretBox) -> int:
    """Rotate every encrypted column to the primary key; returns how many values changed."""
    changed = 0
    for connection in (await session.execute(select(PlatformConnection).with_for_update())).scalars():
        access = _rotated(box, connection.access_token_encrypted)
        if access is not None:
            connection.access_token_encrypted = access
            changed += 1
        refresh = _rotated(box, connection.refresh_token_encrypted)
        if refresh is not None:
            connection.refresh_token_encrypted = refresh
            changed += 1
    states = await session.execute(
        select(OAuthState).where(OAuthState.code_verifier_encrypted.is_not(None)).with_for_update()
    )
    for pending in states.scalars():
        verifier = _rotated(box, pending.code_verifier_encrypted)
        if verifier is not None:
            pending.code_verifier_encrypted = verifier
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> None:
    reencrypt_command(__doc__, "reencrypt-tokens", Settings, reencrypt, argv)


if __name__ == "__main__":
    main()
