"""A minimal WebSocket client for the fan-out benchmark: RFC 6455 framing on an asyncio ``Protocol``, nothing else.

A full client library (``websockets``: a reader task, a frame assembler and a queue per connection) cost about
50 µs of CPU per received frame. With 1,000 clients on the gateway's own two cores, that work competed with the
gateway it was meant to measure. Here a frame costs a header parse, and the arrival time is read as soon as the
bytes come in, before anything is parsed. It speaks only what the bench needs: the opening handshake (checked),
masked text frames out, unmasked frames in, pings answered, and the gateway's JSON protocol (auth, ready, event,
ping). Real browsers each have a machine of their own."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import time
from typing import Any

ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: FIN set, payload masked (RFC 6455 5.3: clients must mask)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = bytes((0x80 | opcode, 0x80 | length))
    elif length < 1 << 16:
        header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + body


class BenchSocket(asyncio.Protocol):
    """One browser of the bench: authenticates, then records ``arrival - event.data.sent_at`` per event."""

    def __init__(self, host: str, path: str, origin: str, token: str, events: int, latencies: list[float]):
        loop = asyncio.get_running_loop()
        self.host, self.path, self.origin, self.token = host, path, origin, token
        self.events = events
        self.latencies = latencies
        self.received = 0
        self.ready: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self._buffer = bytearray()
        self._upgraded = False
        self._key = base64.b64encode(os.urandom(16))
        self.transport: asyncio.Transport | None = None

    # ------------------------------------------------------------------------------------------ asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP transport (uvloop's is no asyncio.Transport)
        transport.write(
            b"GET " + self.path.encode() + b" HTTP/1.1\r\nHost: " + self.host.encode()
            + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + self._key
            + b"\r\nSec-WebSocket-Version: 13\r\nOrigin: " + self.origin.encode() + b"\r\n\r\n"
        )  # fmt: skip

    def data_received(self, data: bytes) -> None:
        arrived = time.time()  # before any parsing: parsing is the client's work, not delivery
        self._buffer += data
        if not self._upgraded and not self._handshake():
            return
        self._frames(arrived)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.ready, self.done):
            if not future.done():
                future.set_exception(ConnectionError(f"socket closed early ({exc!r})"))

    # ------------------------------------------------------------------------------------------ protocol
    def _handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        expected = base64.b64encode(
            hashlib.sha1(self._key + ACCEPT_GUID, usedforsecurity=False).digest()
        ).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        if not head[0].startswith("HTTP/1.1 101") or headers.get("sec-websocket-accept") != expected:
            self._fail(f"handshake refused: {head[0]}")
            return False
        self._upgraded = True
        self._send(OP_TEXT, json.dumps({"type": "auth", "token": self.token}).encode())
        return True

    def _frames(self, arrived: float) -> None:
        buffer = self._buffer
        while len(buffer) >= 2:
            opcode, length, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            self._on_frame(opcode, payload, arrived)

    def _on_frame(self, opcode: int, payload: bytes, arrived: float) -> None:
        if opcode == OP_PING:
            self._send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            self._fail(f"closed by the gateway: {payload[2:].decode(errors='replace')}")
        elif opcode == OP_TEXT:
            message: dict[str, Any] = json.loads(payload)
            kind = message.get("type")
            if kind == "event":
                self.latencies.append(arrived - message["event"]["data"]["sent_at"])
                self.received += 1
                if self.received == self.events and not self.done.done():
                    self.done.set_result(None)
            elif kind == "ready" and not self.ready.done():
                self.ready.set_result(None)
            elif kind == "ping":
                self._send(OP_TEXT, b'{"type":"pong"}')

    def _send(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(masked_frame(opcode, payload))

    def _fail(self, reason: str) -> None:
        for future in (self.ready, self.done):
            if not future.done():
                future.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
            self.transport.close()


async def connect_clients(
    port: int, origin: str, token: str, count: int, events: int, latencies: list[float]
) -> list[BenchSocket]:
    """``count`` browsers of the org on ``ws://127.0.0.1:port/ws``: connected, authenticated, told ``ready``."""
    loop = asyncio.get_running_loop()
    sockets: list[BenchSocket] = []
    for _ in range(count):
        _, socket = await loop.create_connection(
            lambda: BenchSocket(f"127.0.0.1:{port}", "/ws", origin, token, events, latencies),
            "127.0.0.1",
            port,
        )
        sockets.append(socket)
    await asyncio.wait_for(asyncio.gather(*(s.ready for s in sockets)), timeout=60)
    return sockets


async def listen(sockets: list[BenchSocket], timeout_s: float = 120.0) -> None:
    """Until every socket has its events (latencies land in the list given to connect_clients)."""
    try:
        await asyncio.wait_for(asyncio.gather(*(s.done for s in sockets)), timeout=timeout_s)
    finally:
        for socket in sockets:
            socket.close()
