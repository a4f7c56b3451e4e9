"""The token check job and the on-demand refresh against loopback OAuth servers (tests/fake_oauth.py).

The app runs with a one-day check interval; each test waits until the check of the start-up tick has run, then
drives ``check_tokens`` itself, so nothing else touches the rows meanwhile. Health events are read back from
JetStream (after the outbox relay has published them).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError
from sqlalchemy import text

from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.scheduling import slot_start, tick_id
from adpilot_connectors.credentials import seal, unseal
from adpilot_connectors.linking.refresh import check_tokens, mark_reconnect_required, refresh_connection
from adpilot_connectors.models import PlatformConnection
from adpilot_connectors.platforms.base import ReconnectRequired, TransientPlatformError
from adpilot_connectors.schedule import TOKEN_CHECK_JOB

from .conftest import ConnectorsApp
from .fake_google_ads import DEVELOPER_TOKEN
from .fake_graph import APP_ID as META_APP_ID
from .fake_graph import APP_SECRET as META_APP_SECRET
from .fake_oauth import (
    GOOGLE_CLIENT_ID,
    GOOGLE_CLIENT_SECRET,
    META_LONG_LIVED_S,
    FakeGoogleOAuth,
    FakeMetaOAuth,
    run_fake_google_oauth,
    run_fake_meta,
)

DAY_S = 86400
META_LOGIN = "EAAGmetaLongLivedTokenAboutToExpire0001"
REFRESH_TOKEN = "1//stored-refresh-token-0001"
OLD_ACCESS = "ya29.old-access-token-0001"
HEALTH = "connector.v1.health_changed"


@dataclass
class World:
    app: ConnectorsApp
    google: FakeGoogleOAuth
    meta: FakeMetaOAuth
    nats: NatsClient

    async def check(self) -> None:
        async with self.app.connectors.sessions() as session, session.begin():
            now = datetime.now(UTC)
            await check_tokens(
                session,
                self.app.connectors,
                ScheduleTick(job=TOKEN_CHECK_JOB, slot_start=now, interval_s=600),
            )

    async def seed(
        self,
        platform: str,
        access: str,
        *,
        expires_in: timedelta | None,
        refresh: str | None = None,
        last_refreshed: timedelta | None = None,
    ) -> uuid.UUID:
        box, now = self.app.connectors.box, datetime.now(UTC)
        connection = PlatformConnection(
            id=uuid.uuid4(),
            org_id=uuid.uuid4(),
            platform=platform,
            created_by=uuid.uuid4(),
            label=f"{platform} login",
            access_token_encrypted=seal(box, access),
            refresh_token_encrypted=seal(box, refresh) if refresh else None,
            token_expires_at=now + expires_in if expires_in is not None else None,
            last_refreshed_at=now - last_refreshed if last_refreshed is not None else None,
            status="active",
        )
        async with self.app.connectors.sessions() as session, session.begin():
            session.add(connection)
        connection_id: uuid.UUID = connection.id
        return connection_id

    async def row(self, connection_id: uuid.UUID) -> dict[str, Any]:
        (row,) = await self.app.rows("SELECT * FROM platform_connections WHERE id = :id", id=connection_id)
        return dict(row)

    def access_of(self, row: dict[str, Any]) -> str:
        token: str = unseal(self.app.connectors.box, row["access_token_encrypted"])
        return token

    async def health_events(self) -> list[EventEnvelope]:
        """Every health event on JetStream, once the outbox has nothing left to relay."""
        for _ in range(400):
            if not await self.app.scalar("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL"):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the outbox relay did not publish the staged events")
        js = self.nats.jetstream()
        info = await js.stream_info("CONNECTORS")
        found: list[EventEnvelope] = []
        if not info.state.messages:
            return found
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg("CONNECTORS", seq)
            except NotFoundError:
                continue
            if msg.subject == HEALTH and msg.data:
                found.append(EventEnvelope.from_bytes(msg.data))
        return found


async def startup_check_done(app: ConnectorsApp) -> None:
    """The start-up tick's token check has run (so it cannot race with the test's own checks)."""
    event_id = tick_id(TOKEN_CHECK_JOB, slot_start(app.settings.token_check_interval_s, datetime.now(UTC)))
    for _ in range(400):
        if await app.scalar("SELECT count(*) FROM processed_messages WHERE event_id = :id", id=event_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the start-up token check never ran")


@pytest.fixture
async def world(
    connectors_settings: Callable[..., Any], start_connectors: Any, nats_client: NatsClient
) -> AsyncIterator[World]:
    async with run_fake_google_oauth() as google, run_fake_meta(META_LOGIN) as meta:
        meta.graph.add_account("1010", META_LOGIN)
        settings = connectors_settings(
            token_check_interval_s=DAY_S,
            google={
                "client_id": GOOGLE_CLIENT_ID,
                "client_secret": GOOGLE_CLIENT_SECRET,
                "developer_token": DEVELOPER_TOKEN,
                "token_url": google.token_url,
            },
            meta={"app_id": META_APP_ID, "app_secret": META_APP_SECRET, "graph_url": meta.graph.url},
        )
        async with start_connectors(settings) as app:
            await startup_check_done(app)
            yield World(app, google, meta, nats_client)


def near(value: datetime | None, expected: datetime, slack: timedelta = timedelta(minutes=2)) -> bool:
    return value is not None and abs(value - expected) < slack


# ---------------------------------------------------------------------------------------------------- Google


async def test_google_token_near_expiry_is_refreshed(world: World) -> None:
    world.google.add_refresh_token(REFRESH_TOKEN)
    due = await world.seed("google", OLD_ACCESS, refresh=REFRESH_TOKEN, expires_in=timedelta(minutes=5))
    fresh = await world.seed("google", "ya29.fresh", refresh="1//other", expires_in=timedelta(minutes=50))
    before = await world.row(due)

    await world.check()

    (request,) = world.google.token_requests  # only the one close to expiry
    assert request["grant_type"] == "refresh_token" and request["refresh_token"] == REFRESH_TOKEN
    after = await world.row(due)
    assert world.access_of(after) == world.google.issued[-1] != OLD_ACCESS
    assert after["access_token_encrypted"] != before["access_token_encrypted"]
    assert near(after["token_expires_at"], datetime.now(UTC) + timedelta(seconds=world.google.access_ttl_s))
    assert near(after["last_refreshed_at"], datetime.now(UTC))
    # Google's refresh answer carries no refresh token: the stored one stays.
    assert unseal(world.app.connectors.box, after["refresh_token_encrypted"]) == REFRESH_TOKEN
    assert (await world.row(fresh))["last_refreshed_at"] is None
    assert await world.health_events() == []


async def test_revoked_refresh_token_requires_reconnecting(world: World) -> None:
    world.google.add_refresh_token(REFRESH_TOKEN)
    world.google.revoke(REFRESH_TOKEN)
    connection_id = await world.seed(
        "google", OLD_ACCESS, refresh=REFRESH_TOKEN, expires_in=timedelta(minutes=5)
    )
    before = await world.row(connection_id)

    await world.check()
    await world.check()  # flagged connections are left alone: one attempt, one event

    assert len(world.google.token_requests) == 1
    after = await world.row(connection_id)
    assert after["status"] == "reconnect_required"
    assert "invalid_grant" in after["status_reason"] and REFRESH_TOKEN not in after["status_reason"]
    assert after["access_token_encrypted"] == before["access_token_encrypted"]
    (event,) = await world.health_events()
    assert event.org_id == before["org_id"]
    assert event.data["connection_id"] == str(connection_id) and event.data["platform"] == "google"
    assert event.data["health"] == "reconnect_required"
    assert event.data["created_by"] == str(before["created_by"])
    assert REFRESH_TOKEN not in str(event.data) and OLD_ACCESS not in str(event.data)


async def test_refresh_outage_leaves_the_token_for_the_next_check(world: World) -> None:
    world.google.add_refresh_token(REFRESH_TOKEN)
    world.google.fail_token_requests(1)
    connection_id = await world.seed(
        "google", OLD_ACCESS, refresh=REFRESH_TOKEN, expires_in=timedelta(minutes=5)
    )
    before = await world.row(connection_id)

    await world.check()
    unchanged = await world.row(connection_id)
    assert (
        unchanged["status"] == "active"
        and unchanged["access_token_encrypted"] == before["access_token_encrypted"]
    )

    await world.check()
    assert world.access_of(await world.row(connection_id)) == world.google.issued[-1]
    assert len(world.google.token_requests) == 2
    assert await world.health_events() == []


async def test_a_row_locked_elsewhere_is_skipped_not_refreshed_twice(world: World) -> None:
    world.google.add_refresh_token(REFRESH_TOKEN)
    connection_id = await world.seed(
        "google", OLD_ACCESS, refresh=REFRESH_TOKEN, expires_in=timedelta(minutes=5)
    )
    async with world.app.engine.connect() as other_replica:
        async with other_replica.begin():
            await other_replica.execute(
                text("SELECT id FROM platform_connections WHERE id = :id FOR UPDATE"), {"id": connection_id}
            )
            await world.check()  # does not wait for the lock, does not refresh
            assert world.google.token_requests == []
    await world.check()
    assert len(world.google.token_requests) == 1


async def test_concurrent_on_demand_refreshes_call_the_platform_once(world: World) -> None:
    world.google.add_refresh_token(REFRESH_TOKEN)
    connection_id = await world.seed(
        "google", OLD_ACCESS, refresh=REFRESH_TOKEN, expires_in=timedelta(minutes=5)
    )
    results = await asyncio.gather(
        *(refresh_connection(world.app.connectors, connection_id) for _ in range(3))
    )
    assert len(world.google.token_requests) == 1
    assert {c.access_token for c in results} == {world.google.issued[-1]}
    assert {c.refresh_token for c in results} == {REFRESH_TOKEN}


async def test_on_demand_refresh_only_when_needed_or_forced(world: World) -> None:
    world.google.add_refresh_token(REFRESH_TOKEN)
    connection_id = await world.seed(
        "google", OLD_ACCESS, refresh=REFRESH_TOKEN, expires_in=timedelta(minutes=50)
    )
    current = await refresh_connection(world.app.connectors, connection_id)
    assert current.access_token == OLD_ACCESS and world.google.token_requests == []
    forced = await refresh_connection(world.app.connectors, connection_id, force=True)
    assert forced.access_token == world.google.issued[-1] == world.access_of(await world.row(connection_id))

    world.google.fail_token_requests(1)
    with pytest.raises(TransientPlatformError):
        await refresh_connection(world.app.connectors, connection_id, force=True)
    assert world.access_of(await world.row(connection_id)) == forced.access_token  # unchanged

    world.google.revoke(REFRESH_TOKEN)
    with pytest.raises(ReconnectRequired):
        await refresh_connection(world.app.connectors, connection_id, force=True)
    assert (await world.row(connection_id))["status"] == "reconnect_required"  # kept after the raise
    with pytest.raises(ReconnectRequired):  # and later calls say so without asking Google
        await refresh_connection(world.app.connectors, connection_id)
    assert len(world.google.token_requests) == 3  # forced, outage, revoked
    assert [e.data["health"] for e in await world.health_events()] == ["reconnect_required"]


async def test_marking_reconnect_required_is_idempotent(world: World) -> None:
    connection_id = await world.seed("tiktok", "tt-token", expires_in=None)
    async with world.app.connectors.sessions() as session, session.begin():
        assert await mark_reconnect_required(session, connection_id, "TikTok: code 40105: token revoked")
    async with world.app.connectors.sessions() as session, session.begin():
        assert not await mark_reconnect_required(session, connection_id, "again")
    row = await world.row(connection_id)
    assert (
        row["status"] == "reconnect_required" and row["status_reason"] == "TikTok: code 40105: token revoked"
    )
    (event,) = await world.health_events()
    assert event.data["reason"] == "TikTok: code 40105: token revoked"


# ------------------------------------------------------------------------------------------------------ Meta


async def test_meta_token_is_re_extended_before_the_warning_window(world: World) -> None:
    connection_id = await world.seed(
        "meta", META_LOGIN, expires_in=timedelta(days=7, hours=12), last_refreshed=timedelta(days=52)
    )
    await world.check()
    (request,) = world.meta.token_requests
    assert request["grant_type"] == "fb_exchange_token" and request["fb_exchange_token"] == META_LOGIN
    row = await world.row(connection_id)
    assert world.access_of(row) in world.meta.issued
    assert near(row["token_expires_at"], datetime.now(UTC) + timedelta(seconds=META_LONG_LIVED_S))
    assert await world.health_events() == []


async def test_meta_token_that_will_not_extend_is_warned_about_once(world: World) -> None:
    world.meta.long_lived_s = 3 * DAY_S  # Meta hands back a token that still expires in three days
    connection_id = await world.seed(
        "meta", META_LOGIN, expires_in=timedelta(days=3), last_refreshed=timedelta(days=57)
    )
    await world.check()
    await world.check()  # re-extension is not retried the same day, and the warning is not repeated
    assert len(world.meta.token_requests) == 1
    row = await world.row(connection_id)
    assert row["status"] == "active" and row["expiry_warned_for"] == row["token_expires_at"]
    (event,) = await world.health_events()
    assert event.data["health"] == "expires_soon"
    assert event.data["expires_at"] is not None
    assert datetime.fromisoformat(event.data["expires_at"]) == row["token_expires_at"]
    listed = await world.app.client.get(
        "/api/connectors/connections",
        headers=world.app.issuer.headers(org_id=row["org_id"], role="viewer"),
    )
    assert listed.json()[0]["health"] == "expires_soon"


async def test_meta_token_refused_on_extension_requires_reconnecting(world: World) -> None:
    world.meta.graph.expire(META_LOGIN)  # Meta answers #190
    connection_id = await world.seed("meta", META_LOGIN, expires_in=timedelta(days=2))
    await world.check()
    row = await world.row(connection_id)
    assert row["status"] == "reconnect_required" and "#190" in row["status_reason"]
    assert [e.data["health"] for e in await world.health_events()] == ["reconnect_required"]


async def test_expired_token_that_cannot_be_renewed_requires_reconnecting(world: World) -> None:
    connection_id = await world.seed("meta", META_LOGIN, expires_in=timedelta(hours=-1))
    await world.check()
    assert world.meta.token_requests == []  # an expired Meta token cannot be re-extended: no call
    row = await world.row(connection_id)
    assert row["status"] == "reconnect_required" and "expired" in row["status_reason"]
    (event,) = await world.health_events()
    assert event.data["health"] == "reconnect_required"


async def test_tokens_without_expiry_are_left_alone(world: World) -> None:
    connection_id = await world.seed("tiktok", "tt-token", expires_in=None)
    await world.check()
    row = await world.row(connection_id)
    assert row["status"] == "active" and row["last_refreshed_at"] is None
    assert await world.health_events() == []
