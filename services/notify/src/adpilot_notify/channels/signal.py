"""Signal through a signal-cli-rest-api instance (POST /v2/send)."""

from __future__ import annotations

import httpx

from adpilot_notify.channels.base import Message, post_json
from adpilot_notify.config import SignalSettings


class SignalChannel:
    name = "signal"

    def __init__(self, settings: SignalSettings) -> None:
        assert settings.base_url and settings.number
        self._s = settings

    async def send(self, message: Message) -> int | None:
        # recipients takes numbers and "group.<id>" ids alike.
        payload = {"message": message.rendered.short, "number": self._s.number, "recipients": [message.to]}
        async with httpx.AsyncClient(timeout=self._s.timeout_s) as client:
            return await post_json(
                client, f"{str(self._s.base_url).rstrip('/')}/v2/send", payload, provider="Signal"
            )
