"""Reading back the audit entries a service under test asked for (``audit.v1.requested`` in its outbox)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adpilot_common.audit import SUBJECT


async def staged_audit(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every audit envelope the service staged, oldest first, published or not: the outbox holds exactly what
    committed (an entry of a write that failed was rolled back with it), and no other test's entries."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM outbox_messages WHERE subject = :subject ORDER BY created_at"),
            {"subject": SUBJECT},
        )
        return [json.loads(bytes(payload)) for (payload,) in rows]


def actions(entries: list[dict[str, Any]]) -> list[str]:
    return [e["data"]["action"] for e in entries]
