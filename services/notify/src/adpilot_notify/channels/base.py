"""The one interface every channel implements, and how HTTP answers map to retry / give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx


@dataclass(frozen=True)
class Rendered:
    """A message rendered for one channel: email uses subject/text/html, WhatsApp and Signal use ``short``."""

    subject: str
    text: str
    html: str | None
    short: str


@dataclass(frozen=True)
class Message:
    to: str  # email address, E.164 number, or the webhook URL
    template: str
    locale: str
    rendered: Rendered
    # Webhooks only: the exact body to send and sign, and the endpoint's secret.
    body: bytes | None = None
    secret: str | None = None
    event_type: str | None = None
    delivery_id: str | None = None  # idempotency hint for receivers (Message-ID, X-AdPilot-Delivery)


class SendFailed(Exception):
    """Base of channel failures; ``str()`` is safe to store and show (no secrets, no message bodies)."""

    def __init__(self, reason: str, *, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.status_code = status_code


class TransientFailure(SendFailed):
    """Timeouts, 429, 5xx, SMTP 4xx: try again later (after ``retry_after_s`` if the server said so)."""

    def __init__(
        self, reason: str, *, status_code: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(reason, status_code=status_code)
        self.retry_after_s = retry_after_s


class PermanentFailure(SendFailed):
    """4xx, SMTP 5xx, invalid recipient, channel not configured: retrying the same request cannot help."""


class Channel(Protocol):
    name: str

    async def send(self, message: Message) -> int | None:
        """Send or raise :class:`SendFailed`; returns the provider's status code when there is one."""
        ...


class NotConfigured:
    """Stands in for a channel without credentials: its deliveries fail with a clear, retryable reason."""

    def __init__(self, name: str, hint: str) -> None:
        self.name = name
        self._hint = hint

    async def send(self, message: Message) -> int | None:
        raise PermanentFailure(f"channel {self.name} is not configured ({self._hint})")


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def check_response(response: httpx.Response, provider: str) -> int:
    """2xx → status; 408/425/429/5xx → transient; any other status → permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return status
    reason = f"{provider} answered HTTP {status}"
    if status in (408, 425, 429) or status >= 500:
        raise TransientFailure(reason, status_code=status, retry_after_s=retry_after(response))
    raise PermanentFailure(reason, status_code=status)


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    payload: object,
    *,
    provider: str,
    headers: dict[str, str] | None = None,
) -> int:
    try:
        response = await client.post(url, json=payload, headers=headers)
    except httpx.TimeoutException as exc:
        raise TransientFailure(f"{provider} timed out") from exc
    except httpx.TransportError as exc:
        raise TransientFailure(f"{provider} unreachable: {type(exc).__name__}") from exc
    return check_response(response, provider)
