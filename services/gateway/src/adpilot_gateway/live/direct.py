"""Writing one event's ready-made WebSocket frame straight to each socket's transport.

Through ASGI, every socket paid for its own frame: a task woken, Starlette's and uvicorn's ``send``, the
``websockets`` protocol building the same bytes again. That was ~40-60 µs of gateway CPU per socket, so an event
for 1,000 browsers took one core 40-60 ms. An event's frame is the same for every socket (server frames are not
masked, and per-message deflate is off), so it is built once (:func:`text_frame`) and written to each socket's
transport: a few µs each.

This reaches into uvicorn's ``websockets-sansio`` protocol (``send.__self__``), the implementation uvicorn picks by
default, at the version pinned in uv.lock. :func:`direct_writer` returns None for anything else (another server or
implementation, or a connection with an extension negotiated), and the socket is then served through ASGI as
before; tests run both paths. A direct write is refused (and the frame queued for the ASGI path instead) unless
the connection is open and its transport is not applying back-pressure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import Send
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

DirectWrite = Callable[[bytes], bool]


def text_frame(text: str) -> bytes:
    """The complete unmasked text frame a server sends for ``text`` (RFC 6455 5.2)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def direct_writer(send: Send) -> DirectWrite | None:
    """A function writing a ready frame to this connection (True when written), or None if not possible."""
    protocol: Any = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    if protocol.conn.extensions:  # e.g. permessage-deflate: frames differ per connection
        return None

    def write(frame: bytes) -> bool:
        transport = protocol.transport
        if (
            protocol.conn.state is not State.OPEN
            or protocol.close_sent
            or protocol.disconnected
            or transport is None
            or transport.is_closing()
            or not protocol.writable.is_set()  # paused by flow control: a slow reader, let the queue take it
        ):
            return False
        transport.write(frame)
        return True

    return write
