"""SQL of generations and their variants (always scoped by org)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.models import CopyVariant, Generation, IdempotencyKey
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


# ------------------------------------------------------------------------------------------- idempotency keys


def _key_of(org_id: uuid.UUID, user_id: uuid.UUID, key: str) -> Any:
    return and_(IdempotencyKey.org_id == org_id, IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)


async def insert_key(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    key: str,
    request_hash: str,
    generation_id: uuid.UUID,
    *,
    retention: timedelta,
    in_flight_stale: timedelta,
) -> bool:
    """Claim ``key`` for a new request (True), or False when it is taken: a concurrent claim waits here for
    the other transaction and then sees its row. The user's expired keys (and ones whose request died in
    flight) go first, so an old key starts afresh."""
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.org_id == org_id,
            IdempotencyKey.user_id == user_id,
            or_(
                IdempotencyKey.created_at < func.now() - retention,
                and_(
                    IdempotencyKey.status_code.is_(None),
                    IdempotencyKey.created_at < func.now() - in_flight_stale,
                ),
            ),
        )
    )
    claimed = await session.scalar(
        insert(IdempotencyKey)
        .values(
            org_id=org_id, user_id=user_id, key=key, request_hash=request_hash, generation_id=generation_id
        )
        .on_conflict_do_nothing(
            index_elements=[IdempotencyKey.org_id, IdempotencyKey.user_id, IdempotencyKey.key]
        )
        .returning(IdempotencyKey.key)
    )
    return claimed is not None


async def get_key(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, key: str
) -> IdempotencyKey | None:
    row: IdempotencyKey | None = await session.scalar(
        select(IdempotencyKey).where(_key_of(org_id, user_id, key))
    )
    return row


async def settle_key(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    key: str,
    generation_id: uuid.UUID,
    status_code: int,
    failure: dict[str, Any] | None = None,
) -> None:
    """Record the answer of the key's request (only while the key is still this generation's)."""
    await session.execute(
        update(IdempotencyKey)
        .where(_key_of(org_id, user_id, key), IdempotencyKey.generation_id == generation_id)
        .values(status_code=status_code, failure=failure)
    )


async def release_key(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, key: str, generation_id: uuid.UUID
) -> None:
    """Free a key whose request ended without a generation (refused, or broke): a retry runs afresh."""
    await session.execute(
        delete(IdempotencyKey).where(
            _key_of(org_id, user_id, key),
            IdempotencyKey.generation_id == generation_id,
            IdempotencyKey.status_code.is_(None),
        )
    )
