"""``/ws``: the browser's live event stream.

Protocol (JSON text frames):
- browser → ``{"type": "auth", "token": "<access token>", "resume": {"boot": "...", "seq": 41}?}`` first, within
  ``AUTH_TIMEOUT_S``; again with a fresh token whenever it refreshes (access tokens live minutes, sockets hours).
- gateway → ``{"type": "ready", "boot": "...", "seq": <last seq>}``, then the missed events or
  ``{"type": "resync"}`` (refetch: they cannot be replayed), then ``{"type": "event", "seq": n, "event": <envelope>}``
  for every event of the token's org, and ``{"type": "ping"}`` every ``PING_INTERVAL_S``.
- browser → ``{"type": "pong"}`` (any frame counts as alive).

A token is a bearer token, so it travels in a frame, never in the URL (URLs end up in logs). The Origin must be
one of the gateway's own origins (cross-site WebSocket hijacking). Close codes: 4401 bad, expired or revoked token;
4403 no organisation or foreign origin; 4408 no authentication in time or no sign of life; 1013 too slow to keep up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from adpilot_common.cancellation import cancel_and_wait
from adpilot_common.logging import get_logger
from adpilot_common.security.dependencies import AuthGuard
from adpilot_common.security.tokens import AccessClaims, InvalidToken, JwksUnavailable
from adpilot_gateway.live.direct import direct_writer
from adpilot_gateway.live.hub import Frame, Hub, Subscriber

log = get_logger(__name__)

AUTH_TIMEOUT_S = 10.0
PING_INTERVAL_S = 25.0
SILENCE_LIMIT_S = 75.0  # three missed pongs
CHECK_INTERVAL_S = 5.0  # how soon a revoked session or an expired token is noticed on an idle socket


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Connection:
    socket: WebSocket
    claims: AccessClaims
    last_heard: float
    last_ping: float = 0.0


LiveHandler = Callable[[WebSocket, Send], Awaitable[None]]


class LiveSockets:
    """ASGI middleware, installed outermost: ``/ws`` goes straight to ``handler``, everything else to the app.

    The socket lives for hours and sends thousands of frames; behind FastAPI's routing every frame also went
    through each middleware's and the router's ``send`` wrapper (an exception handler, tracing), which was about
    a sixth of the fan-out's CPU. None of them does anything for these frames: the handler checks the Origin and
    the token itself. (Tracing wraps even this layer; it leaves ``/ws`` alone by its URL exclusion.)"""

    def __init__(self, app: ASGIApp, handler: LiveHandler, path: str = "/ws") -> None:
        self.app = app
        self.handler = handler
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == self.path:
            await self.handler(WebSocket(scope, receive, send), send)
            return
        await self.app(scope, receive, send)


def live_handler(hub: Hub, guard: AuthGuard, allowed_origins: list[str]) -> LiveHandler:
    """The ``/ws`` conversation: Origin, authentication, resume, then events until one side ends it."""

    async def live(socket: WebSocket, send: Send) -> None:
        if socket.headers.get("origin") not in allowed_origins:
            await socket.close(code=4403, reason="origin not allowed")
            return
        await socket.accept()
        try:
            first = await asyncio.wait_for(_receive(socket), AUTH_TIMEOUT_S)
            claims = await _authenticate(guard, first)
        except TimeoutError:
            await _close(socket, 4408, "no authentication")
            return
        except Refused as refused:
            await _close(socket, refused.code, refused.reason)
            return
        except WebSocketDisconnect:
            return
        assert claims.org_id is not None  # _authenticate refuses tokens without an org
        subscriber = hub.subscribe(claims.org_id, claims.session_id)
        connection = Connection(socket, claims, time.monotonic(), time.monotonic())
        try:
            await socket.send_json({"type": "ready", "boot": hub.boot_id, "seq": hub.last_seq})
            await _resume(hub, socket, claims, first.get("resume"))
            write = direct_writer(send)
            if write is not None:  # caught up: from now on events may go straight to the transport
                subscriber.direct = lambda frame: (
                    _still_allowed(guard, connection.claims) is None and write(frame.wire)
                )
            code, reason = await _serve(guard, connection, subscriber)
        except WebSocketDisconnect:
            return
        finally:
            hub.unsubscribe(subscriber)
        await _close(socket, code, reason)

    return live


async def _receive(socket: WebSocket) -> dict[str, Any]:
    try:
        message = json.loads(await socket.receive_text())
    except ValueError:
        raise Refused(1003, "frames must be JSON") from None
    if not isinstance(message, dict):
        raise Refused(1003, "frames must be JSON objects")
    return message


async def _authenticate(guard: AuthGuard, message: dict[str, Any]) -> AccessClaims:
    token = message.get("token")
    if message.get("type") != "auth" or not isinstance(token, str):
        raise Refused(4401, "authenticate first")
    try:
        claims = await guard.authenticate(token)
    except InvalidToken as exc:
        raise Refused(4401, f"invalid token: {exc.reason.value}") from None
    except JwksUnavailable:
        raise Refused(1013, "signing keys unavailable, try again") from None
    if claims.org_id is None:
        raise Refused(4403, "select an organisation first")
    return claims


async def _resume(hub: Hub, socket: WebSocket, claims: AccessClaims, resume: Any) -> None:
    if not isinstance(resume, dict):
        return
    boot, seq = resume.get("boot"), resume.get("seq")
    assert claims.org_id is not None
    missed = hub.missed(claims.org_id, boot, seq) if isinstance(boot, str) and isinstance(seq, int) else None
    if missed is None:
        await socket.send_json({"type": "resync"})
        return
    for frame in missed:
        await socket.send_text(frame.text)


async def _serve(guard: AuthGuard, connection: Connection, subscriber: Subscriber) -> tuple[int, str]:
    """Send queued events and pings, read pongs and token refreshes; returns how to close.

    Frames go out in an inner loop under one timeout per ``CHECK_INTERVAL_S``, not one per frame: with 1,000
    sockets every event wakes 1,000 of these loops, and arming and cancelling a timer each time was a visible
    part of the fan-out's cost. Revocation and expiry are still checked before every frame. When the timeout
    strikes (only ever while waiting: for the next frame, or for the socket to drain), the connection is
    checked and a frame taken but not yet written is sent after."""
    reader = asyncio.create_task(_read(guard, connection))
    pending: Frame | None = None
    try:
        while True:
            if reader.done():
                return reader.result()
            if subscriber.overflowed.is_set():
                return 1013, "too slow: reconnect and resume"
            refusal = _still_allowed(guard, connection.claims)
            if refusal is not None:
                return refusal
            if time.monotonic() - connection.last_heard > SILENCE_LIMIT_S:
                return 4408, "no sign of life"
            try:
                async with asyncio.timeout(CHECK_INTERVAL_S):  # no task per wait, unlike wait_for
                    while not (reader.done() or subscriber.overflowed.is_set()):
                        if pending is None:
                            pending = await subscriber.queue.get()
                            subscriber.busy = True  # later frames queue behind this one, none overtakes it
                        if _still_allowed(guard, connection.claims) is not None:
                            break  # revoked or expired: nothing more for this socket (the check above closes)
                        await connection.socket.send_text(pending.text)
                        pending = None
                        subscriber.busy = False
            except TimeoutError:
                if time.monotonic() - connection.last_ping >= PING_INTERVAL_S:
                    connection.last_ping = time.monotonic()
                    await connection.socket.send_json({"type": "ping"})
    finally:
        with contextlib.suppress(Exception):  # the browser's side is over either way
            await cancel_and_wait(reader)


async def _read(guard: AuthGuard, connection: Connection) -> tuple[int, str]:
    """Frames from the browser: pongs keep it alive, an auth frame swaps in a refreshed token of the same org."""
    while True:
        try:
            message = await _receive(connection.socket)
        except Refused as refused:
            return refused.code, refused.reason
        except WebSocketDisconnect:
            return 1000, "closed by the browser"
        connection.last_heard = time.monotonic()
        if message.get("type") != "auth":
            continue
        try:
            claims = await _authenticate(guard, message)
        except Refused as refused:
            return refused.code, refused.reason
        if claims.org_id != connection.claims.org_id or claims.user_id != connection.claims.user_id:
            return 4403, "reconnect to change user or organisation"
        connection.claims = claims


def _still_allowed(guard: AuthGuard, claims: AccessClaims) -> tuple[int, str] | None:
    if guard.revocations.is_revoked(claims.session_id):
        return 4401, "session revoked"
    if datetime.now(UTC) > claims.expires_at:
        return 4401, "token expired: send a fresh one before it runs out"
    return None


async def _close(socket: WebSocket, code: int, reason: str) -> None:
    if socket.application_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(Exception):
            await socket.close(code=code, reason=reason)
