"""``Idempotency-Key`` of ``POST /generations`` (IETF httpapi draft, Stripe's semantics): a client sends a fresh
key per submission and the same key when it retries it, so a double click or a retry after a timeout answers
the first request's generation instead of paying for another LLM call.

A key belongs to its org and user. The first request claims it (a row under a primary key, so of concurrent
requests exactly one wins) and records its outcome; a later request with the same key and body gets that
outcome again with ``Idempotent-Replayed: true``, a different body is refused, and a request arriving while
a synchronous first one still runs gets 409 (retry shortly). Keys live :data:`RETENTION`; see
docs/decisions.md."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel

from adpilot_common.problems import Problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x20-\x7e]+$"  # printable ASCII, 1..KEY_MAX_LENGTH characters
KEY_MAX_LENGTH = 255
# After this a key is forgotten and may start a new request (expired keys of a user go as they claim new ones).
RETENTION = timedelta(hours=24)
# A key whose first request never recorded an outcome (its replica died mid-request) is free again after this:
# far longer than any synchronous generation runs (the gateway gives up on it after 30 s).
IN_FLIGHT_STALE = timedelta(hours=1)
KEY_DESCRIPTION = (
    "Optional. A unique key per submission (e.g. a UUID), sent again when the same submission is retried: "
    "for 24 h the same key and body answer the first request's generation with the same status "
    "(`Idempotent-Replayed: true`) and no new LLM call; the same key with another body is a 422, and a retry "
    "while the first synchronous request still runs a 409. Scoped to the org and user; 1-255 printable "
    "ASCII characters."
)

REPLAYED_DOC = {
    REPLAYED_HEADER: {
        "description": f"`true` when this answer is a replay of an earlier request with the same {HEADER}",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


@dataclass(frozen=True)
class IdempotentRequest:
    """A request's idempotency key and the sha256 of its canonical body (what a reuse must match)."""

    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str | None, body: BaseModel) -> IdempotentRequest | None:
        if key is None:
            return None
        # The validated body, defaults filled in and keys sorted: the same request hashes the same however
        # the client spelled its JSON.
        canonical = json.dumps(
            body.model_dump(mode="json", by_alias=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
        return cls(key, digest)


def reused() -> Problem:
    return Problem(
        422,
        "Idempotency key reused with a different request",
        f"This {HEADER} was already used with another request body; send a new key for a new request.",
    )


def in_flight() -> Problem:
    return Problem(
        409,
        "Request in progress",
        f"The first request with this {HEADER} is still being processed; retry shortly.",
        headers={"Retry-After": "2"},
    )
