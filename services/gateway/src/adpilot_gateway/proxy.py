"""Reverse proxy: ``/api/<service>/...`` is forwarded unchanged to that service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request, Response
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import AuthGuard
from adpilot_common.security.tokens import InvalidToken, JwksUnavailable
from adpilot_gateway.ratelimit import RateLimits

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


async def _caller(guard: AuthGuard | None, request: Request) -> str | None:
    """The verified user id of a Bearer token (401 problem for a bad one), or None without a token. The
    services verify it again: the gateway checks it once so a forged or expired token costs no service a
    request, and so it can rate-limit per user."""
    header = request.headers.get("authorization", "")
    if guard is None or not header.lower().startswith("bearer "):
        return None
    try:
        claims = await guard.authenticate(header[7:].strip())
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
        user_id = await _caller(guard, request)
        if limits is not None:
            await limits.check(request.url.path, request.client.host if request.client else "?", user_id)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        if request.client is not None:
            headers["x-forwarded-for"] = request.client.host
        upstream = client.build_request(
            request.method,
            f"{base}/api/{service}/{path}",
            params=request.query_params,
            headers=headers,
            content=_limited(request, max_body_bytes),
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
        proxied = StreamingResponse(
            response.aiter_raw(), status_code=response.status_code, background=BackgroundTask(response.aclose)
        )
        # multi_items(): repeated headers (several Set-Cookie) must stay separate lines, never comma-joined.
        for name, value in response.headers.multi_items():
            if name.lower() not in HOP_BY_HOP:
                proxied.headers.append(name, value)
        return proxied

    return router
