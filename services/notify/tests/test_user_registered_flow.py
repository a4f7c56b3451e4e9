"""auth → outbox → relay → JetStream → notify inbox → one pending verification email, end to end."""

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_auth.config import Settings as AuthSettings
from adpilot_auth.main import create_app as create_auth
from adpilot_common.testing.plugin import running
from adpilot_notify.config import Settings as NotifySettings
from adpilot_notify.main import create_app as create_notify
from adpilot_notify.models.delivery import Delivery


async def wait_for(predicate, timeout=60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_registration_reaches_notify_once(new_database, service_env, nats_client):
    auth_app = create_auth(AuthSettings(**service_env(new_database("auth"))))
    notify_url = new_database("notify")
    notify_app = create_notify(NotifySettings(**service_env(notify_url)))
    engine = create_async_engine(notify_url)

    async def deliveries() -> list[Delivery]:
        async with engine.connect() as conn:
            return list((await conn.execute(select(Delivery.__table__))).all())

    async with running(auth_app), running(notify_app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(auth_app), base_url="http://auth"
        ) as client:
            response = await client.post(
                "/api/auth/register", json={"email": "Ada@Example.com", "password": "correct horse battery"}
            )
            assert response.status_code == 202
            # The same address again answers identically and produces no second event.
            again = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": "another password!"}
            )
            assert again.status_code == 202 and again.json() == response.json()

        async def one_delivery() -> bool:
            return len(await deliveries()) == 1

        await wait_for(one_delivery)
        [row] = await deliveries()
        assert row.destination == "ada@example.com"
        assert row.template == "verify_email" and row.status == "pending"

        # Redeliver the very same event (as JetStream would after a lost ack): still one delivery.
        js = nats_client.jetstream()
        stored = await js.get_last_msg("AUTH", "user.v1.registered")
        # A different Nats-Msg-Id gets past publish dedup: the consumer really receives the event twice.
        ack = await js.publish("user.v1.registered", stored.data, headers={"Nats-Msg-Id": "second-copy"})
        assert not ack.duplicate

        async def consumer_caught_up() -> bool:
            ci = await js.consumer_info("AUTH", "notify--user-v1-registered")
            return ci.num_ack_pending == 0 and ci.num_pending == 0 and ci.ack_floor.stream_seq == ack.seq

        await wait_for(consumer_caught_up)
        async with engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(Delivery))).scalar_one()
        assert count == 1
    await engine.dispose()
