"""Reading back the events a service under test staged in its outbox."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def staged_events(engine: AsyncEngine, subject: str) -> list[dict[str, Any]]:
    """Every envelope on ``subject`` the service staged, oldest first, published or not: the outbox holds
    exactly what committed (an event of a write that failed was rolled back with it)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT payload FROM outbox_messages WHERE subject = :subject ORDER BY created_at"),
            {"subject": subject},
        )
        return [json.loads(bytes(payload)) for (payload,) in rows]
