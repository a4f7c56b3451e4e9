"""Operator commands: ``python -m adpilot_auth.cli rotate-signing-key | reencrypt-secrets``.

* ``rotate-signing-key [--retire-older-than-minutes N]``: a new Ed25519 key signs from now on. Old keys stay
  in the JWKS until retired; retire them only after one access-token lifetime so no valid token is orphaned.
* ``reencrypt-secrets``: after putting a new key first in ``AUTH_FERNET_KEYS``, re-encrypt every signing key
  and TOTP secret under it; afterwards the old key can be dropped from the setting.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.config import Settings
from adpilot_auth.keys.service import rotate
from adpilot_auth.models.signing_key import SigningKey
from adpilot_auth.models.user import User
from adpilot_common.crypto import SecretBox
from adpilot_common.db import one_off_session
from adpilot_common.reencrypt import reencrypt_stored, rotate_all


async def reencrypt(session: AsyncSession, box: SecretBox) -> int:
    """Rotate every encrypted column to the primary key; returns how many values changed."""
    keys = (await session.execute(select(SigningKey).with_for_update())).scalars()
    changed = rotate_all(box, keys, "private_key_encrypted")
    users = await session.execute(
        select(User).where(User.totp_secret_encrypted.is_not(None)).with_for_update()
    )
    return changed + rotate_all(box, users.scalars(), "totp_secret_encrypted")


async def _run(command: str, retire_minutes: int | None, settings: Settings) -> str:
    if command == "reencrypt-secrets":
        return await reencrypt_stored(settings, reencrypt)
    box = SecretBox.from_setting(settings.fernet_keys)
    async with one_off_session(settings.database_url) as session:
        retire = datetime.now(UTC) - timedelta(minutes=retire_minutes) if retire_minutes is not None else None
        key = await rotate(session, box, retire_before=retire)
        return f"new signing key {key.kid}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["rotate-signing-key", "reencrypt-secrets"])
    parser.add_argument("--retire-older-than-minutes", type=int, default=None)
    args = parser.parse_args(argv)
    print(asyncio.run(_run(args.command, args.retire_older_than_minutes, Settings())))


if __name__ == "__main__":
    main()
