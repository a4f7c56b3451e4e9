from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.models import BrandVoice


async def get(session: AsyncSession, org_id: uuid.UUID) -> BrandVoice | None:
    return await session.get(BrandVoice, org_id)


async def save(
    session: AsyncSession,
    org_id: uuid.UUID,
    voice: str,
    guidelines: str,
    banned: list[str],
    user_id: uuid.UUID,
) -> BrandVoice:
    """Insert version 1 or bump the version (concurrent saves serialise on the row)."""
    values = {"voice": voice, "guidelines": guidelines, "banned_terms": banned, "updated_by": user_id}
    stmt = insert(BrandVoice).values(org_id=org_id, version=1, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[BrandVoice.org_id],
        set_={**values, "version": BrandVoice.version + 1, "updated_at": func.now()},
    )
    await session.execute(stmt)
    row = await session.get(BrandVoice, org_id, populate_existing=True)
    assert row is not None
    return row
