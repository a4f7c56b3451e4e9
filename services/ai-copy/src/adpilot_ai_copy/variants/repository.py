from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.models import CopyVariant, Generation


async def get(
    session: AsyncSession, org_id: uuid.UUID, variant_id: uuid.UUID, *, for_update: bool = False
) -> tuple[CopyVariant, Generation] | None:
    """The org's variant with its generation (another org's id: None, answered as 404)."""
    stmt = (
        select(CopyVariant, Generation)
        .join(Generation, Generation.id == CopyVariant.generation_id)
        .where(CopyVariant.id == variant_id, CopyVariant.org_id == org_id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=CopyVariant)
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None
