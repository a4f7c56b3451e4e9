"""Webhook signatures: ``X-AdPilot-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.

Receivers recompute the HMAC over the raw body with the endpoint's secret, compare in constant time, and reject
a ``X-AdPilot-Timestamp`` (Unix seconds) older than the replay window (300 s recommended): a captured request
cannot be replayed later, and the timestamp cannot be changed without breaking the signature. Deliveries are
at-least-once on the wire: ``X-AdPilot-Delivery`` (stable across retries) lets receivers drop duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-AdPilot-Signature"
TIMESTAMP_HEADER = "X-AdPilot-Timestamp"
DELIVERY_HEADER = "X-AdPilot-Delivery"
EVENT_HEADER = "X-AdPilot-Event"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(
    secret: str, timestamp: int, body: bytes, header: str, *, now: int, tolerance_s: int = 300
) -> bool:
    """What a receiver does (also used by the tests)."""
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)
