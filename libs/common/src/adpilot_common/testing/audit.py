"""Reading back the audit entries a service under test asked for (``audit.v1.requested`` in its outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adpilot_common.audit import SUBJECT
from adpilot_common.testing.outbox import staged_events


async def staged_audit(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every audit envelope the service staged, oldest first (and no other test's entries)."""
    return await staged_events(engine, SUBJECT)


def actions(entries: list[dict[str, Any]]) -> list[str]:
    return [e["data"]["action"] for e in entries]
