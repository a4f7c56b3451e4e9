"""Reverse proxy: ``/api/<service>/...`` is forwarded unchanged to that service.

The hot path stays lean (bench/gateway.py measures it against calling the service directly): headers are
filtered as the raw bytes ASGI gives, a request without a body sends none (not an empty chunked stream), a
verified token is remembered for a short time (:mod:`adpilot_gateway.tokencache`), and an answer of known,
modest size is passed on in one piece; only large or open-ended answers are streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request, Response
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from adpilot_common.head import HEAD_REQUEST
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import AuthGuard
from adpilot_common.security.tokens import InvalidToken, JwksUnavailable
from adpilot_common.telemetry import inject_trace_headers
from adpilot_gateway.ratelimit import RateLimits
from adpilot_gateway.tokencache import VerifiedTokens

# Hop-by-hop headers (RFC 9110 §7.6.1) never cross a proxy.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


_HOP_BY_HOP_RAW = frozenset(name.encode("latin-1") for name in HOP_BY_HOP)
# Forwarding claims a client may send that no service should read as ours (X-Forwarded-For/-Proto are replaced).
_CLIENT_FORWARDING_RAW = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"forwarded", b"x-real-ip"})
# Answers up to this size (declared by Content-Length) are read whole and sent on in one ASGI message.
BUFFERED_ANSWER_MAX_BYTES = 256 * 1024


# Safe to send twice: a GET whose connection failed before an answer is retried once (a POST never is).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


async def _send(client: httpx.AsyncClient, upstream: httpx.Request, *, idempotent: bool) -> httpx.Response:
    try:
        return await client.send(upstream, stream=True)
    except (httpx.ConnectError, httpx.RemoteProtocolError):
        if not idempotent:
            raise
        # A pooled keep-alive connection the service closed, or a replica restarting: one more try.
        return await client.send(upstream, stream=True)


async def _caller(tokens: VerifiedTokens | None, request: Request) -> str | None:
    """The verified user id of a Bearer token (401 problem for a bad one), or None without a token. The
    services verify it again: the gateway checks it once so a forged or expired token costs no service a
    request, and so it can rate-limit per user."""
    header = request.headers.get("authorization", "")
    if tokens is None or header[:7].lower() != "bearer ":
        return None
    try:
        claims = await tokens.authenticate(header[7:].strip())
    except InvalidToken as exc:
        raise Problem(
            401,
            "Invalid access token",
            f"The access token was refused ({exc.reason.value}); sign in again.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    except JwksUnavailable:
        raise Problem(
            503, detail="Signing keys are not available yet.", headers={"Retry-After": "5"}
        ) from None
    return str(claims.user_id)


class BodyTooLarge(Exception):
    pass


async def _limited(request: Request, max_body_bytes: int) -> AsyncIterator[bytes]:
    """The request body, streamed on to the service, cut off past the limit (a chunked body declares no
    length, so it is counted as it passes)."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > max_body_bytes:
            raise BodyTooLarge
        yield chunk


def build_proxy_router(
    client: httpx.AsyncClient,
    upstreams: dict[str, str],
    *,
    guard: AuthGuard | None = None,
    limits: RateLimits | None = None,
    max_body_bytes: int = 10 * 1024 * 1024,
) -> APIRouter:
    router = APIRouter()
    tokens = VerifiedTokens(guard) if guard is not None else None

    @router.api_route(
        "/api/{service}/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def forward(service: str, path: str, request: Request) -> Response:
        base = upstreams.get(service)
        if base is None:
            raise Problem(404, detail=f"No API named {service!r}.")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            raise Problem(413, "Request too large", f"Request bodies are limited to {max_body_bytes} bytes.")
        user_id = await _caller(tokens, request)
        client_host = request.client.host if request.client else None
        if limits is not None:
            await limits.check(request.scope["path"], client_host or "?", user_id)
        # ASGI header names are lower-case bytes already: filter them as they are.
        headers = [(k, v) for k, v in request.scope["headers"] if k not in _HOP_BY_HOP_RAW]
        # The services believe forwarding headers from the gateway alone, so it sends one address and scheme that
        # it determined itself (its peer, or what a trusted proxy said: adpilot_common.serve), replacing whatever
        # the client sent; other forwarding claims of the client are dropped.
        added: dict[str, str] = {"x-forwarded-proto": request.url.scheme}
        if client_host is not None:
            added["x-forwarded-for"] = client_host
        inject_trace_headers(added)  # the service's span continues this request's trace
        replaced = {name.encode("latin-1") for name in added} | _CLIENT_FORWARDING_RAW
        headers = [h for h in headers if h[0] not in replaced]
        headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in added.items())
        # The path as sent, still percent-encoded: decoded, a "%0D" in an id is a raw CR no URL may hold (500).
        raw_path: bytes = request.scope.get("raw_path") or f"/api/{service}/{path}".encode()
        url = f"{base}{raw_path.decode('latin-1')}"
        query = request.scope.get("query_string", b"")
        if query:
            url = f"{url}?{query.decode('latin-1')}"
        # Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 §6.3).
        has_body = declared is not None or "transfer-encoding" in request.headers
        # A HEAD runs here as GET (adpilot_common.head): it goes on as HEAD, so the service sends no body either.
        head = bool(request.scope.get(HEAD_REQUEST))
        upstream = client.build_request(
            "HEAD" if head else request.method,
            url,
            headers=headers,
            content=_limited(request, max_body_bytes) if has_body else None,
        )
        try:
            response = await _send(client, upstream, idempotent=request.method in IDEMPOTENT)
        except BodyTooLarge:
            raise Problem(
                413, "Request too large", f"Request bodies are limited to {max_body_bytes} bytes."
            ) from None
        except httpx.TimeoutException:
            raise Problem(504, detail=f"The {service} service did not answer in time.") from None
        except httpx.ConnectError:
            raise Problem(
                503,
                detail=f"The {service} service is not running; try again shortly.",
                headers={"Retry-After": "5"},
            ) from None
        except httpx.TransportError:
            raise Problem(502, detail=f"The {service} service broke off the answer.") from None
        # Raw pairs: repeated headers (several Set-Cookie) must stay separate lines, never comma-joined.
        passed_on = [
            (name, value)
            for name, value in ((k.lower(), v) for k, v in response.headers.raw)
            if name not in _HOP_BY_HOP_RAW
        ]
        length = response.headers.get("content-length")
        proxied: Response
        if length is not None and length.isdigit() and int(length) <= BUFFERED_ANSWER_MAX_BYTES:
            try:  # raw bytes: a compressed body stays compressed, its Content-Encoding passed on with it
                body = b"".join([chunk async for chunk in response.aiter_raw()])
            except httpx.TransportError:
                raise Problem(502, detail=f"The {service} service broke off the answer.") from None
            finally:
                await response.aclose()
            proxied = Response(body, status_code=response.status_code)
            if head:  # the length of the body a GET would get, as the service said
                proxied.headers["content-length"] = length
        else:
            proxied = StreamingResponse(
                response.aiter_raw(),
                status_code=response.status_code,
                background=BackgroundTask(response.aclose),
            )
        proxied.raw_headers.extend(passed_on)
        return proxied

    return router
