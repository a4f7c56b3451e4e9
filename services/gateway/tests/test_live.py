"""``/ws`` live events through a real uvicorn and a real nats-server: org isolation, authentication, origin
check, token refresh, revocation, resume after a reconnect, and the hub's handling of a slow browser."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from adpilot_common.devstack.ports import free_port
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.broker import ensure_streams
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_gateway.config import Settings
from adpilot_gateway.live.hub import Hub
from adpilot_gateway.main import create_app

ORIGIN = "http://127.0.0.1:8000"


@dataclass
class Gateway:
    url: str
    issuer: TestTokenIssuer
    app: Any
    direct: bool  # frames written straight to the transport (see live/direct.py), or through ASGI


# "direct": uvicorn as adpilot_common.serve runs it (no per-message deflate), so events skip ASGI; "asgi": the
# client negotiates deflate, frames differ per socket and every frame goes through the socket's task.
@pytest.fixture(params=["direct", "asgi"])
async def gateway(request, service_env, tmp_path) -> AsyncIterator[Gateway]:
    issuer = TestTokenIssuer()
    settings = Settings(**service_env(), spa_dir=tmp_path, allowed_origins=[ORIGIN])
    app = create_app(settings, jwks=issuer.jwks_cache())
    port = free_port()
    direct = request.param == "direct"
    async with running(app), serve_asgi(app, port, what="gateway", ws_per_message_deflate=not direct):
        yield Gateway(f"ws://127.0.0.1:{port}/ws", issuer, app, direct)


async def subscribe(gw: Gateway, org: uuid.UUID, **claims: Any) -> tuple[ClientConnection, dict[str, Any]]:
    socket = await connect(gw.url, origin=ORIGIN)  # type: ignore[arg-type]
    await socket.send(json.dumps({"type": "auth", "token": gw.issuer.token(org_id=org, **claims)}))
    ready = json.loads(await socket.recv())
    assert ready["type"] == "ready", ready
    return socket, ready


async def publish(nats_client: NatsClient, subject: str, org: uuid.UUID | None, **data: Any) -> str:
    envelope = EventEnvelope(type=subject, source="test", org_id=org, data=data)
    await ensure_streams(nats_client.jetstream())
    await nats_client.jetstream().publish(
        subject, envelope.to_bytes(), headers={"Nats-Msg-Id": str(envelope.id)}
    )
    return str(envelope.id)


async def next_event(socket: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if message["type"] != "ping":
            return message  # type: ignore[no-any-return]


async def nothing_more(socket: ClientConnection, wait: float = 0.5) -> None:
    with pytest.raises(TimeoutError):
        await next_event(socket, timeout=wait)


async def test_each_browser_gets_only_its_orgs_events(gateway: Gateway, nats_client: NatsClient) -> None:
    org_a, org_b = uuid.uuid4(), uuid.uuid4()
    socket_a, _ = await subscribe(gateway, org_a)
    socket_b, _ = await subscribe(gateway, org_b)
    sent = await publish(nats_client, "metrics.v1.updated", org_a, account_id=str(uuid.uuid4()))
    await publish(nats_client, "metrics.v1.fetched", org_a, rows=[])  # raw batches never reach browsers
    message = await next_event(socket_a)
    assert message["type"] == "event" and message["event"]["id"] == sent
    assert message["event"]["type"] == "metrics.v1.updated"
    await nothing_more(socket_a)
    await nothing_more(socket_b)
    for_b = await publish(nats_client, "copy.v1.generated", org_b, generation_id=str(uuid.uuid4()))
    assert (await next_event(socket_b))["event"]["id"] == for_b
    await nothing_more(socket_a)
    await socket_a.close()
    await socket_b.close()


async def test_frames_go_straight_to_the_transport_unless_an_extension_was_negotiated(
    gateway: Gateway, nats_client: NatsClient
) -> None:
    org = uuid.uuid4()
    socket, _ = await subscribe(gateway, org)
    hub: Hub = gateway.app.state.hub
    # Set before the server yields after "ready" (nothing awaits in between), so before the client sees it.
    assert hub.count() == 1
    assert (next(hub.subscribers()).direct is not None) == gateway.direct
    for n in range(3):  # in order, whole, on either path
        await publish(nats_client, "campaign.v1.updated", org, n=n)
    assert [(await next_event(socket))["event"]["data"]["n"] for _ in range(3)] == [0, 1, 2]
    await socket.close()


async def test_a_bad_token_a_foreign_origin_or_silence_is_refused(gateway: Gateway) -> None:
    with pytest.raises(InvalidStatus):
        await connect(gateway.url, origin="https://evil.example")  # type: ignore[arg-type]
    socket = await connect(gateway.url, origin=ORIGIN)  # type: ignore[arg-type]
    await socket.send(json.dumps({"type": "auth", "token": TestTokenIssuer().token(org_id=uuid.uuid4())}))
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    socket = await connect(gateway.url, origin=ORIGIN)  # type: ignore[arg-type]
    await socket.send(json.dumps({"type": "auth", "token": gateway.issuer.token(org_id=None)}))
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_revoked_session_is_cut_off(gateway: Gateway) -> None:
    session = uuid.uuid4()
    socket, _ = await subscribe(gateway, uuid.uuid4(), session_id=session)
    gateway.app.state.auth_guard.revocations.revoke(session)
    with pytest.raises(ConnectionClosed) as closed:
        await next_event(socket, timeout=15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_refreshed_token_keeps_the_socket_but_not_for_another_org(gateway: Gateway) -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    socket, _ = await subscribe(gateway, org, user_id=user)
    await socket.send(json.dumps({"type": "auth", "token": gateway.issuer.token(org_id=org, user_id=user)}))
    await socket.send(json.dumps({"type": "pong"}))
    await nothing_more(socket)  # still open
    await socket.send(
        json.dumps({"type": "auth", "token": gateway.issuer.token(org_id=uuid.uuid4(), user_id=user)})
    )
    with pytest.raises(ConnectionClosed) as closed:
        await next_event(socket)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_reconnecting_browser_resumes_or_is_told_to_resync(
    gateway: Gateway, nats_client: NatsClient
) -> None:
    org = uuid.uuid4()
    socket, ready = await subscribe(gateway, org)
    first = await publish(nats_client, "campaign.v1.created", org, name="A")
    seen = await next_event(socket)
    assert seen["event"]["id"] == first
    await socket.close()
    missed = [await publish(nats_client, "campaign.v1.updated", org, name=f"B{i}") for i in range(3)]
    hub: Hub = gateway.app.state.hub

    for _ in range(500):  # the gateway has numbered the three missed events
        if hub.last_seq >= seen["seq"] + 3:
            break
        await asyncio.sleep(0.02)
    assert hub.last_seq >= seen["seq"] + 3
    again = await connect(gateway.url, origin=ORIGIN)  # type: ignore[arg-type]
    resume = {"boot": ready["boot"], "seq": seen["seq"]}
    await again.send(
        json.dumps({"type": "auth", "token": gateway.issuer.token(org_id=org), "resume": resume})
    )
    assert json.loads(await again.recv())["type"] == "ready"
    assert [(await next_event(again))["event"]["id"] for _ in missed] == missed
    await again.close()

    stale = await connect(gateway.url, origin=ORIGIN)  # type: ignore[arg-type]
    resume = {"boot": "another-gateway", "seq": 1}
    await stale.send(
        json.dumps({"type": "auth", "token": gateway.issuer.token(org_id=org), "resume": resume})
    )
    assert json.loads(await stale.recv())["type"] == "ready"
    assert (await next_event(stale))["type"] == "resync"
    await stale.close()


async def test_a_slow_subscriber_overflows_alone_and_the_buffer_knows_its_reach() -> None:
    hub = Hub(replay_per_org=3)
    org, other = uuid.uuid4(), uuid.uuid4()
    slow = hub.subscribe(org, uuid.uuid4())
    fine = hub.subscribe(other, uuid.uuid4())
    for i in range(slow.queue.maxsize + 1):
        hub.publish(org, {"n": i})
    assert slow.overflowed.is_set()
    hub.publish(other, {"n": 0})
    assert not fine.overflowed.is_set() and fine.queue.qsize() == 1
    last = hub.last_seq
    assert [f.seq for f in hub.missed(org, hub.boot_id, last - 3) or []] == [last - 2, last - 1]
    assert hub.missed(org, hub.boot_id, 1) is None  # the buffer of 3 no longer reaches back
    assert hub.missed(org, "other", last - 1) is None
    hub.unsubscribe(slow)
    assert hub.count() == 1
