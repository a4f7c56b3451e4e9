"""Signing-key rotation keeps old tokens valid until retired; Fernet key rotation re-encrypts every secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pyotp
from sqlalchemy.ext.asyncio import async_sessionmaker

from adpilot_auth.cli import reencrypt
from adpilot_auth.keys.service import rotate
from adpilot_common.crypto import SecretBox, generate_key
from adpilot_common.testing.commands import run_command

from .conftest import PASSWORD, AuthApp, signed_in


async def test_signing_key_rotation_publishes_both_keys_then_retires_the_old(auth_app: AuthApp):
    before = await signed_in(auth_app, "ada@example.com")
    old_kid = jwt.get_unverified_header(before["Authorization"].split()[1])["kid"]
    sessions = async_sessionmaker(auth_app.engine)
    box = SecretBox.from_setting(auth_app.settings.fernet_keys)
    async with sessions() as session, session.begin():
        new = await rotate(session, box)
    keys = (await auth_app.client.get("/api/auth/.well-known/jwks.json")).json()["keys"]
    assert {k["kid"] for k in keys} == {old_kid, new.kid}

    after = await auth_app.login("ada@example.com")
    assert jwt.get_unverified_header(after.json()["access_token"])["kid"] == new.kid
    assert (
        await auth_app.client.get("/api/auth/me", headers=before)
    ).status_code == 200  # old token still good

    async with sessions() as session, session.begin():
        newest = await rotate(session, box, retire_before=datetime.now(UTC) + timedelta(seconds=1))
    kids = {k["kid"] for k in (await auth_app.client.get("/api/auth/.well-known/jwks.json")).json()["keys"]}
    assert kids == {newest.kid}


async def test_reencrypt_moves_every_secret_to_the_new_primary_key(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    enrolment = await auth_app.client.post(
        "/api/auth/mfa/totp/enrol", json={"password": PASSWORD}, headers=headers
    )
    secret = enrolment.json()["secret"]
    confirmed = await auth_app.client.post(
        "/api/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers
    )
    assert confirmed.status_code == 200
    new_key = generate_key()
    rotated = SecretBox.from_setting(f"{new_key},{auth_app.settings.fernet_keys.get_secret_value()}")
    async with async_sessionmaker(auth_app.engine)() as session, session.begin():
        assert await reencrypt(session, rotated) == 2  # the signing key and the TOTP secret
    stored = await auth_app.scalar("SELECT totp_secret_encrypted FROM users")
    assert SecretBox([new_key]).decrypt(stored).decode() == secret  # readable without the old key
    async with async_sessionmaker(auth_app.engine)() as session, session.begin():
        assert await reencrypt(session, rotated) == 0  # idempotent


async def test_operator_cli_rotates_the_signing_key(auth_app: AuthApp):
    env = {"AUTH_DATABASE_URL": auth_app.settings.database_url, "AUTH_ENVIRONMENT": "test"}
    out = await run_command("adpilot_auth.cli", "rotate-signing-key", env=env)
    kid = out.removeprefix("new signing key ")
    kids = {k["kid"] for k in (await auth_app.client.get("/api/auth/.well-known/jwks.json")).json()["keys"]}
    assert kid in kids and len(kids) == 2
