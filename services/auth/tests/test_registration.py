import httpx
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_auth.config import Settings
from adpilot_auth.main import create_app
from adpilot_common.testing.plugin import running


async def test_registration_stores_argon2id_hash_and_outbox_event_atomically(new_database, service_env):
    url = new_database("auth")
    app = create_app(Settings(**service_env(url)))
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://auth") as client:
            response = await client.post(
                "/api/auth/register",
                json={
                    "email": " Grace@Example.COM ",
                    "password": "pässwörd with ünïcode ✓",
                    "display_name": "G",
                },
            )
            assert response.status_code == 202

    engine = create_async_engine(url)
    async with engine.connect() as conn:
        email, pw_hash = (await conn.execute(text("SELECT email, password_hash FROM users"))).one()
        subjects = (await conn.execute(text("SELECT subject FROM outbox_messages"))).scalars().all()
    await engine.dispose()
    assert email == "grace@example.com"
    assert pw_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(pw_hash, "pässwörd with ünïcode ✓")
    assert sorted(subjects) == ["user.v1.email_verification_requested", "user.v1.registered"]


async def test_invalid_registration_is_problem_json_and_writes_nothing(new_database, service_env):
    url = new_database("auth")
    app = create_app(Settings(**service_env(url)))
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://auth") as client:
            short = await client.post(
                "/api/auth/register", json={"email": "a@example.com", "password": "short"}
            )
            bad_email = await client.post(
                "/api/auth/register", json={"email": "nope", "password": "long enough!"}
            )
    for response in (short, bad_email):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one() == 0
        assert (await conn.execute(text("SELECT count(*) FROM outbox_messages"))).scalar_one() == 0
    await engine.dispose()
