"""The ``reencrypt-…`` operator command of each service that stores Fernet-encrypted values.

After a new key is put first in ``<PREFIX>FERNET_KEYS`` (old keys after it, so both decrypt), the command
re-encrypts every stored value under the new key in one transaction; then the old key can be dropped.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.db import one_off_session

# Rotates a service's encrypted columns to the primary key; returns how many values changed (idempotent).
Reencrypt = Callable[[AsyncSession, SecretBox], Awaitable[int]]


class EncryptingSettings(Protocol):
    @property
    def database_url(self) -> str: ...

    @property
    def fernet_keys(self) -> SecretStr: ...


def rotate_all(box: SecretBox, rows: Iterable[Any], attribute: str) -> int:
    """Re-encrypt ``attribute`` of each row under the primary key where it is not already (None is skipped), in
    the column's own type (``str`` or ``bytes``); returns how many values changed."""
    changed = 0
    for row in rows:
        value: bytes | str | None = getattr(row, attribute)
        if value is not None and box.needs_rotation(value):
            rotated = box.rotate(value)
            setattr(row, attribute, rotated.decode() if isinstance(value, str) else rotated)
            changed += 1
    return changed


async def reencrypt_stored(settings: EncryptingSettings, reencrypt: Reencrypt) -> str:
    box = SecretBox.from_setting(settings.fernet_keys)
    async with one_off_session(settings.database_url) as session:
        return f"re-encrypted {await reencrypt(session, box)} values"


def reencrypt_command(
    description: str | None,
    command: str,
    settings: Callable[[], EncryptingSettings],
    reencrypt: Reencrypt,
    argv: list[str] | None = None,
) -> None:
    """``python -m adpilot_<service>.cli <command>``: prints how many values were re-encrypted."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=[command])
    parser.parse_args(argv)
    print(asyncio.run(reencrypt_stored(settings(), reencrypt)))
