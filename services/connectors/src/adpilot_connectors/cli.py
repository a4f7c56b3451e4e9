"""Operator commands: ``python -m adpilot_connectors.cli reencrypt-tokens``.

* ``reencrypt-tokens``: after putting a new key first in ``CONNECTORS_FERNET_KEYS``, re-encrypt every stored
  platform access/refresh token and PKCE verifier under it; afterwards the old key can be dropped from the
  setting. Idempotent: values already under the primary key are left alone.
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.db import create_engine, create_session_factory
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


async def _run(settings: Settings) -> str:
    engine = create_engine(settings.database_url, pool_size=1)
    box = SecretBox.from_setting(settings.fernet_keys)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return f"re-encrypted {await reencrypt(session, box)} values"
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["reencrypt-tokens"])
    parser.parse_args(argv)
    print(asyncio.run(_run(Settings())))


if __name__ == "__main__":
    main()
