"""What a failed sync attempt means: retry soon, or fail the run (and why), with a message safe to store and show."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from adpilot_common.problems import internal_error_text
from adpilot_connectors.platforms.base import (
    InvalidRequest,
    PlatformError,
    RateLimited,
    ReconnectRequired,
    TransientPlatformError,
)

ErrorKind = Literal["reconnect_required", "rate_limited", "platform_error", "invalid_request", "internal"]

RETRY_BASE_S = 5.0
RETRY_CAP_S = 300.0
MAX_ERROR_CHARS = 2000

# Credentials in URLs, headers or bodies an exception message may quote (OAuth query parameters, bearer tokens).
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)((?:access|refresh|id)_token|client_secret|app_secret|developer[-_]token|password)"
        r"(['\"]?\s*[=:]\s*['\"]?)[^\s&'\",}]+"
    ),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(access-token:\s*)\S+"),
)


@dataclass(frozen=True)
class SyncFailure:
    kind: ErrorKind
    message: str  # redacted, bounded: stored on the run and published (ours: no exception text)
    retryable: bool = False  # worth another attempt of the same run after a back-off
    retry_after_s: float | None = None  # rate limited: the platform's hint
    scope: str | None = None  # rate limited: what is exhausted (see adpilot_connectors.quota)


def classify(exc: BaseException, secrets: Iterable[str | None] = ()) -> SyncFailure:
    message = redact(f"{exc}" or type(exc).__name__, secrets)
    if isinstance(exc, ReconnectRequired):
        return SyncFailure("reconnect_required", message)
    if isinstance(exc, RateLimited):
        return SyncFailure(
            "rate_limited", message, retry_after_s=max(1.0, exc.retry_after_s), scope=exc.scope
        )
    if isinstance(exc, TransientPlatformError):
        return SyncFailure("platform_error", message, retryable=True)
    if isinstance(exc, InvalidRequest):
        return SyncFailure("invalid_request", message)
    if isinstance(exc, PlatformError):
        return SyncFailure("platform_error", message)
    if _is_infrastructure(exc):  # our database or network blinked: the same attempt can simply run again
        return SyncFailure(
            "internal", internal_error_text(exc, "our database or network was unavailable"), retryable=True
        )
    return SyncFailure("internal", internal_error_text(exc, "the sync failed on our side"))


def _is_infrastructure(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc,
        OperationalError | InterfaceError | asyncpg.PostgresConnectionError | ConnectionError | TimeoutError,
    )


def redact(text: str, secrets: Iterable[str | None] = (), *, limit: int | None = MAX_ERROR_CHARS) -> str:
    """``text`` without the connection's tokens or anything shaped like a credential, cut at ``limit``."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + (m.group(2) if m.lastindex == 2 else "") + "[redacted]", text
        )
    return text if limit is None else text[:limit]


def backoff_s(attempt: int) -> float:
    """Delay before attempt ``attempt + 1`` of a run: 5 s, 10 s, 20 s ... capped at 5 minutes."""
    return float(min(RETRY_CAP_S, RETRY_BASE_S * 2 ** max(0, attempt - 1)))
