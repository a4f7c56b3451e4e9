"""The HTTP errors of authlib's OAuth clients.

authlib's ``httpx_client`` integration runs on the ``httpx2`` package when it is installed (litellm's openai
client pulls it in) and falls back to ``httpx`` otherwise. Code catching what a token request raised must
catch both families, whichever is installed."""

from __future__ import annotations

from typing import Any

import httpx

HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError,)
HTTP_STATUS_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPStatusError,)
try:
    import httpx2

    HTTP_ERRORS += (httpx2.HTTPError,)
    HTTP_STATUS_ERRORS += (httpx2.HTTPStatusError,)
except ImportError:  # pragma: no cover - depends on what else is installed
    pass


def status_code(exc: Exception) -> int | None:
    """The HTTP status of a status error from either library, else None."""
    if isinstance(exc, HTTP_STATUS_ERRORS):
        response: Any = getattr(exc, "response", None)
        return int(response.status_code) if response is not None else None
    return None
