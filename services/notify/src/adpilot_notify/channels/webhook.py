"""Outgoing webhooks: the event envelope as JSON, signed, to a URL re-checked against SSRF at send time."""

from __future__ import annotations

import time

import httpx

from adpilot_notify.channels.base import Message, PermanentFailure, TransientFailure
from adpilot_notify.config import WebhookSettings
from adpilot_notify.ssrf import UnsafeTarget, check_target
from adpilot_notify.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)


class WebhookChannel:
    name = "webhook"

    def __init__(self, settings: WebhookSettings, *, allow_private: bool) -> None:
        self._s = settings
        self._allow_private = allow_private

    async def send(self, message: Message) -> int | None:
        assert message.body is not None and message.secret is not None
        try:
            await check_target(message.to, allow_private=self._allow_private)
        except UnsafeTarget as exc:
            raise PermanentFailure(f"webhook target refused: {exc}") from exc
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "AdPilot-Webhooks/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(message.secret, timestamp, message.body),
            EVENT_HEADER: message.event_type or "",
            DELIVERY_HEADER: message.delivery_id or "",
        }
        # Redirects are not followed: the redirect target would bypass the SSRF check.
        async with httpx.AsyncClient(timeout=self._s.timeout_s, follow_redirects=False) as client:
            try:
                response = await client.post(message.to, content=message.body, headers=headers)
            except httpx.TimeoutException as exc:
                raise TransientFailure("webhook timed out") from exc
            except httpx.TransportError as exc:
                raise TransientFailure(f"webhook unreachable: {type(exc).__name__}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return status
        if status == 410:  # the receiver says the endpoint is gone for good
            raise PermanentFailure("webhook answered HTTP 410", status_code=status)
        # Any other answer may be a deploy or an outage on the receiver's side: retried for up to 24 h.
        raise TransientFailure(f"webhook answered HTTP {status}", status_code=status)
