"""SQL of generations and their variants (always scoped by org)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.models import CopyVariant, Generation
from adpilot_common.jobs import JobStatus


async def find_cached(
    session: AsyncSession, org_id: uuid.UUID, cache_key: str, ttl_days: int
) -> tuple[Generation, list[CopyVariant]] | None:
    """The newest original (not itself cached) successful generation with this key, within the TTL."""
    if ttl_days <= 0:
        return None
    source = await session.scalar(
        select(Generation)
        .where(
            Generation.org_id == org_id,
            Generation.cache_key == cache_key,
            Generation.status == JobStatus.SUCCEEDED.value,
            Generation.cached_from.is_(None),
            Generation.created_at > func.now() - timedelta(days=ttl_days),
        )
        .order_by(Generation.created_at.desc())
        .limit(1)
    )
    if source is None:
        return None
    return source, list((await variants_of(session, [source.id])).get(source.id, []))


async def add_variants(
    session: AsyncSession,
    org_id: uuid.UUID,
    generation_id: uuid.UUID,
    copies: Sequence[tuple[str, dict[str, Any]]],
) -> list[CopyVariant]:
    rows: list[CopyVariant] = []
    positions: dict[str, int] = {}
    for platform, fields in copies:
        position = positions.get(platform, 0)
        positions[platform] = position + 1
        rows.append(
            CopyVariant(
                id=uuid.uuid4(),
                org_id=org_id,
                generation_id=generation_id,
                platform=platform,
                position=position,
                generated=fields,
                fields=fields,
                status="draft",
                edited=False,
                regenerations=0,
            )
        )
    session.add_all(rows)
    await session.flush()
    return rows


async def get(session: AsyncSession, org_id: uuid.UUID, generation_id: uuid.UUID) -> Generation | None:
    row: Generation | None = await session.scalar(
        select(Generation).where(Generation.id == generation_id, Generation.org_id == org_id)
    )
    return row


async def recent(session: AsyncSession, org_id: uuid.UUID, limit: int) -> list[Generation]:
    rows = await session.scalars(
        select(Generation)
        .where(Generation.org_id == org_id)
        .order_by(Generation.created_at.desc())
        .limit(limit)
    )
    return list(rows)


async def of_batch(session: AsyncSession, org_id: uuid.UUID, batch_id: uuid.UUID) -> list[Generation]:
    rows = await session.scalars(
        select(Generation)
        .where(Generation.org_id == org_id, Generation.batch_id == batch_id)
        .order_by(Generation.created_at, Generation.id)
    )
    return list(rows)


async def variants_of(
    session: AsyncSession, generation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CopyVariant]]:
    out: dict[uuid.UUID, list[CopyVariant]] = {gid: [] for gid in generation_ids}
    if not generation_ids:
        return out
    rows = await session.scalars(
        select(CopyVariant)
        .where(CopyVariant.generation_id.in_(generation_ids))
        .order_by(CopyVariant.platform, CopyVariant.position)
    )
    for row in rows:
        out[row.generation_id].append(row)
    return out
