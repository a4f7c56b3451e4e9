"""Confirmation codes: 6 random digits, stored only as a keyed hash bound to the destination."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(key: str, destination_id: uuid.UUID, code: str) -> bytes:
    return hmac.new(key.encode(), f"{destination_id}:{code}".encode(), hashlib.sha256).digest()


def code_matches(key: str, destination_id: uuid.UUID, code: str, stored: bytes) -> bool:
    return hmac.compare_digest(code_hash(key, destination_id, code.strip()), stored)
