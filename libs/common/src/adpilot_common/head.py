"""HEAD is answered as GET without the body (RFC 9110 §9.3.2), on every route of every service.

FastAPI's routes accept only the methods they declare (Starlette's own ``Route`` adds HEAD to GET, ``APIRoute``
does not), so uptime monitors and load balancers probing with HEAD got a 405. Declaring HEAD on each route would
also add it to the OpenAPI; this middleware leaves the routes and the schema alone."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Set in the scope a HEAD request runs with (as GET), so a layer that cares can tell: the gateway's proxy
# forwards such a request as HEAD and request metrics count it as HEAD.
HEAD_REQUEST = "adpilot.head_request"
_ALLOW = b"allow"


class HeadAsGet:
    """Runs a HEAD request as a GET on a copy of the scope and passes on the GET's status and headers
    (Content-Length, auth and rate-limit answers included) with an empty body. The server's own scope keeps
    HEAD, which tells it to send no body. A path without a GET answers HEAD with the same 405 as GET (its
    ``Allow`` names what the path does accept); an ``Allow`` that names GET also names HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "HEAD":

            async def send_allowing_head(message: Message) -> None:
                if message["type"] == "http.response.start" and message["status"] == 405:
                    message = _with_head_allowed(message)
                await send(message)

            await self.app(scope, receive, send_allowing_head)
            return

        async def send_headers_only(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                await send(_with_head_allowed(message) if message["status"] == 405 else message)
            elif kind == "http.response.body":
                # A streamed body is still produced (and dropped): only its end is passed on.
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif kind == "http.response.pathsend":  # a FileResponse on a server with that extension
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        await self.app({**scope, "method": "GET", HEAD_REQUEST: True}, receive, send_headers_only)


def _with_head_allowed(start: Message) -> Message:
    headers: list[tuple[bytes, bytes]] = []
    for name, value in start.get("headers", []):
        if name.lower() == _ALLOW:
            methods = {m.strip().upper() for m in value.split(b",")}
            if b"GET" in methods and b"HEAD" not in methods:
                value = value + b", HEAD"
        headers.append((name, value))
    return {**start, "headers": headers}
