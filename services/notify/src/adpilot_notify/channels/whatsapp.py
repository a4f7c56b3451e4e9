"""WhatsApp Business Cloud API: pre-approved template messages (business-initiated messages must be templates)."""

from __future__ import annotations

import httpx

from adpilot_notify.channels.base import Message, post_json
from adpilot_notify.config import WhatsAppSettings


class WhatsAppChannel:
    name = "whatsapp"

    def __init__(self, settings: WhatsAppSettings) -> None:
        assert settings.access_token is not None and settings.phone_number_id
        self._s = settings
        self._token = settings.access_token

    def payload(self, message: Message) -> dict[str, object]:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.removeprefix("+"),
            "type": "template",
            "template": {
                "name": f"{self._s.template_prefix}{message.template}",
                "language": {"code": message.locale},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": message.rendered.short}]}
                ],
            },
        }

    async def send(self, message: Message) -> int | None:
        s = self._s
        url = f"{s.base_url.rstrip('/')}/{s.api_version}/{s.phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        async with httpx.AsyncClient(timeout=s.timeout_s) as client:
            return await post_json(client, url, self.payload(message), provider="WhatsApp", headers=headers)
