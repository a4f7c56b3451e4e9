"""Email over SMTP (aiosmtplib) or the Resend HTTP API."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import httpx

from adpilot_notify.channels.base import Message, PermanentFailure, TransientFailure, post_json
from adpilot_notify.config import ResendSettings, SmtpSettings


def build_email(message: Message, from_address: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = from_address
    email["To"] = message.to
    email["Subject"] = message.rendered.subject
    domain = from_address.rsplit("@", 1)[-1].rstrip(">") or "adpilot.local"
    # Stable per delivery: a resend after a crash between sending and recording it carries the same id.
    email["Message-ID"] = (
        f"<{message.delivery_id}@{domain}>" if message.delivery_id else make_msgid(domain=domain)
    )
    email.set_content(message.rendered.text)
    if message.rendered.html is not None:
        email.add_alternative(message.rendered.html, subtype="html")
    return email


class SmtpChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self._s = settings

    async def send(self, message: Message) -> int | None:
        s = self._s
        try:
            await aiosmtplib.send(
                build_email(message, s.from_address),
                hostname=s.host,
                port=s.port,
                username=s.username,
                password=s.password.get_secret_value() if s.password is not None else None,
                use_tls=s.security == "tls",
                start_tls=s.security == "starttls",
                timeout=s.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            reason = f"SMTP refused the recipient ({', '.join(map(str, codes))})"
            if all(400 <= c < 500 for c in codes):
                raise TransientFailure(reason, status_code=codes[0]) from exc
            raise PermanentFailure(reason, status_code=codes[0] if codes else None) from exc
        except aiosmtplib.SMTPResponseException as exc:
            reason = f"SMTP answered {exc.code}"
            if 400 <= exc.code < 500:
                raise TransientFailure(reason, status_code=exc.code) from exc
            raise PermanentFailure(reason, status_code=exc.code) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Connection refused/reset, TLS failure, timeout: the server may be back later.
            raise TransientFailure(f"SMTP server unreachable: {type(exc).__name__}") from exc
        return 250


class ResendChannel:
    name = "email"

    def __init__(self, settings: ResendSettings, from_address: str) -> None:
        self._s = settings
        self._from = from_address

    async def send(self, message: Message) -> int | None:
        if self._s.api_key is None:
            raise PermanentFailure("channel email is not configured (NOTIFY_RESEND__API_KEY)")
        payload = {
            "from": self._from,
            "to": [message.to],
            "subject": message.rendered.subject,
            "text": message.rendered.text,
            "html": message.rendered.html,
        }
        headers = {"Authorization": f"Bearer {self._s.api_key.get_secret_value()}"}
        async with httpx.AsyncClient(timeout=self._s.timeout_s) as client:
            return await post_json(
                client, f"{self._s.base_url.rstrip('/')}/emails", payload, provider="Resend", headers=headers
            )
