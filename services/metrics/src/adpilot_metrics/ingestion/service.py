"""Apply one batch of daily metrics: facts replaced by key, rollups moved by the difference."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.metrics import MetricsFetched, MetricsUpdated
from adpilot_metrics.ingestion.repository import BatchKey, FactRepository, StagedRow


async def ingest_batch(
    session: AsyncSession, org_id: uuid.UUID, batch: MetricsFetched
) -> MetricsUpdated | None:
    """Merge ``batch`` in the caller's transaction; returns what changed (None for an empty batch)."""
    if not batch.rows:
        return None
    days = [r.day for r in batch.rows]
    key = BatchKey(
        org_id=org_id,
        account_id=batch.account_id,
        platform=batch.platform,
        currency=batch.currency.upper(),
        date_from=min(days),
        date_to=max(days),
        provisional_from=batch.provisional_from,
    )
    repo = FactRepository(session)
    await repo.lock_account_and_partitions(org_id, batch.account_id, key.date_from, key.date_to)
    rows: list[StagedRow] = [
        (
            r.campaign_id,
            # '' rather than NULL: campaign-level rows must collide on the unique key.
            r.ad_group_id or "",
            r.ad_id or "",
            r.day,
            r.impressions,
            r.clicks,
            r.spend_micros,
            r.conversions,
            r.conversion_value_micros,
        )
        for r in batch.rows
    ]
    await repo.stage(rows)
    merged = await repo.merge(key)
    return MetricsUpdated(
        account_id=batch.account_id,
        platform=batch.platform,
        campaigns=sorted({r.campaign_id for r in batch.rows}),
        date_from=key.date_from,
        date_to=key.date_to,
        rows=merged,
        provisional_from=batch.provisional_from,
    )
