"""Ed25519 signing keys for access tokens: created on first use, rotated on demand, private halves encrypted."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.signing_key import SigningKey
from adpilot_common.crypto import SecretBox


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: Ed25519PrivateKey


def public_jwk(kid: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"}


async def create_key(session: AsyncSession, box: SecretBox) -> ActiveKey:
    key = Ed25519PrivateKey.generate()
    kid = f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    session.add(SigningKey(kid=kid, private_key_encrypted=box.encrypt(pem), public_jwk=public_jwk(kid, key)))
    await session.flush()
    return ActiveKey(kid, key)


async def active_key(session: AsyncSession, box: SecretBox) -> ActiveKey:
    """The newest unretired key, created if there is none yet."""
    row = (
        await session.execute(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None:
        return await create_key(session, box)
    private = serialization.load_pem_private_key(box.decrypt(row.private_key_encrypted), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return ActiveKey(row.kid, private)


async def rotate(
    session: AsyncSession, box: SecretBox, *, retire_before: datetime | None = None
) -> ActiveKey:
    """New signing key; keys created before ``retire_before`` leave the JWKS (wait one token lifetime first)."""
    key = await create_key(session, box)
    if retire_before is not None:
        await session.execute(
            update(SigningKey)
            .where(
                SigningKey.created_at < retire_before,
                SigningKey.retired_at.is_(None),
                SigningKey.kid != key.kid,
            )
            .values(retired_at=datetime.now(UTC))
        )
    return key


async def jwks(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    rows = (
        await session.execute(select(SigningKey.public_jwk).where(SigningKey.retired_at.is_(None)))
    ).scalars()
    return {"keys": list(rows)}
