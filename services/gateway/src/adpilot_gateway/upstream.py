"""The proxy's HTTP client to the services: keep-alive connections reused last-in first-out, no cookie memory.

httpcore's own pool rescans every pooled connection twice per request (and, for each idle one, counts them all
again and polls its socket): with the ~30 keep-alive connections a busy gateway holds per service, that scan
cost more CPU than the rest of the proxying (bench/gateway.py, cProfile of the gateway process). Here an idle
connection is simply taken from the top of its origin's stack (the most recently used, so the least likely to
have been closed by the service) and put back when its answer has been read; a semaphore bounds the
connections in use. The connections themselves, and httpx's request/response/error mapping, are unchanged.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterable, AsyncIterator
from http.cookiejar import CookieJar

import httpcore
import httpx
from httpcore import AsyncConnectionInterface, Origin


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: a Set-Cookie in one user's answer must never travel with another user's
    request (httpx's default client jar would store it and send it on with every later request)."""

    def set_cookie(self, cookie: object) -> None:
        return

    def extract_cookies(self, response: object, request: object) -> None:
        return


class LifoConnectionPool(httpcore.AsyncConnectionPool):
    """HTTP/1.1 connections per origin on a stack; at most ``max_connections`` in use, at most
    ``max_keepalive_connections`` idle per origin (more are closed when their answer is done)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int | None = None,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
        )
        self._idle: dict[tuple[bytes, bytes, int], list[AsyncConnectionInterface]] = {}  # by origin
        self._busy: set[AsyncConnectionInterface] = set()
        self._slots = asyncio.Semaphore(self._max_connections)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        timeout = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout("no upstream connection became free in time") from None
        origin = request.url.origin
        connection: AsyncConnectionInterface | None = None
        try:
            connection = await self._idle_connection(origin)
            try:
                response = await connection.handle_async_request(request)
            except httpcore.ConnectionNotAvailable:  # closed under us between the check and the send
                await connection.aclose()
                connection = self.create_connection(origin)
                response = await connection.handle_async_request(request)
        except BaseException:
            if connection is not None:
                await connection.aclose()
            self._slots.release()
            raise
        self._busy.add(connection)
        assert isinstance(response.stream, AsyncIterable)  # an async connection's answer
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_ReleasingStream(response.stream, self, origin, connection),
            extensions=response.extensions,
        )

    async def _idle_connection(self, origin: Origin) -> AsyncConnectionInterface:
        stack = self._idle.get(_key(origin))
        while stack:
            connection = stack.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()  # the service closed it, or its keep-alive ran out
        return self.create_connection(origin)

    async def release(self, origin: Origin, connection: AsyncConnectionInterface) -> None:
        self._busy.discard(connection)
        try:
            stack = self._idle.setdefault(_key(origin), [])
            if connection.is_idle() and len(stack) < self._max_keepalive_connections:
                stack.append(connection)
            elif not connection.is_closed():
                await connection.aclose()
        finally:
            self._slots.release()

    @property
    def connections(self) -> list[AsyncConnectionInterface]:
        return [*self._busy, *(c for stack in self._idle.values() for c in stack)]

    async def aclose(self) -> None:
        for connection in self.connections:
            await connection.aclose()
        self._idle.clear()
        self._busy.clear()


def _key(origin: Origin) -> tuple[bytes, bytes, int]:
    return origin.scheme, origin.host, origin.port  # httpcore's Origin is not hashable


class _ReleasingStream:
    """An answer's body; closing it (httpx does, once read or abandoned) gives the connection back."""

    def __init__(
        self,
        stream: AsyncIterable[bytes],
        pool: LifoConnectionPool,
        origin: Origin,
        connection: AsyncConnectionInterface,
    ) -> None:
        self._stream = stream
        self._pool = pool
        self._origin = origin
        self._connection = connection
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            closer = getattr(self._stream, "aclose", None)
            if closer is not None:
                await closer()
        finally:
            await self._pool.release(self._origin, self._connection)


class UpstreamTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (request building, error mapping) over a :class:`LifoConnectionPool`."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = LifoConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
        )


def upstream_client(timeout: httpx.Timeout, limits: httpx.Limits) -> httpx.AsyncClient:
    """The pooled client the proxy needs: no cookie memory, no redirects followed, no environment proxies."""
    return httpx.AsyncClient(
        timeout=timeout, transport=UpstreamTransport(limits), cookies=NoCookies(), trust_env=False
    )
