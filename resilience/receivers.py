"""A real SMTP server on loopback (aiosmtpd) that records what notify delivered, to count effects at the wire."""

from __future__ import annotations

import email
import threading
from collections import Counter
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from adpilot_common.devstack.ports import free_port


class SmtpRecorder:
    """Every accepted message as (recipient, Message-ID). notify sets Message-ID to the delivery id, so the same
    id twice is a resend of one delivery (a receiver can drop it); two ids for one event are two deliveries."""

    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._seen: list[tuple[str, str]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message: Message = email.message_from_bytes(envelope.content)
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self._seen.append((rcpt.lower(), str(message["Message-ID"])))
        return "250 Message accepted"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def deliveries(self, recipients: set[str]) -> tuple[Counter[str], Counter[str]]:
        """For ``recipients``: messages per recipient, and distinct Message-IDs per recipient."""
        with self._lock:
            seen = [(r, m) for r, m in self._seen if r in recipients]
        messages = Counter(r for r, _ in seen)
        distinct = Counter(r for r, _ in set(seen))
        return messages, distinct
