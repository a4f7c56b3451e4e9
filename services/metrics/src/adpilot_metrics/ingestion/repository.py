"""SQL of the ingestion path. Everything runs in the caller's (inbox) transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, NotRequired

from pydantic import Field, TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from adpilot_common.events.contracts.metrics import MetricRow

# The account's merge lock first (the subquery is evaluated before the outer target list), then the months the
# batch touches: one round trip per batch instead of two.
LOCK_AND_PARTITION = text(
    """
    SELECT ensure_metric_fact_partitions(:date_from, :date_to)
    FROM (SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))) AS locked
    """
)


def _key(short: str) -> Any:
    return Field(serialization_alias=short)


class MergeRow(TypedDict):
    """A MetricRow as the merge's json parameter spells it: one-letter keys, ~40% fewer bytes for PostgreSQL
    to parse than the contract's names (the names in MERGE's column list below)."""

    campaign_id: Annotated[str, _key("c")]
    ad_group_id: NotRequired[Annotated[str | None, _key("g")]]
    ad_id: NotRequired[Annotated[str | None, _key("a")]]
    day: Annotated[date, _key("d")]
    impressions: Annotated[int, _key("i")]
    clicks: Annotated[int, _key("k")]
    spend_micros: Annotated[int, _key("s")]
    conversions: Annotated[Decimal, _key("v")]
    conversion_value_micros: Annotated[int, _key("w")]


MERGE_ROWS = TypeAdapter(list[MergeRow])


# One statement: take the batch's rows (one JSON parameter, keys unique: see latest_per_key), pair each with the
# fact it replaces (one LEFT JOIN: "old", NULL for a new key), update the facts that exist, insert the rest, and
# move both rollups by new - old.
#
# - The rows arrive as one json value rather than by COPY into a staging table: no temporary table is created
#   and dropped per transaction, no extra round trips, and the service serialises rows with pydantic's
#   serializer instead of encoding every value for COPY (docs/decisions.md, "Ingestion speed").
# - The caller holds the account's advisory lock, so no other transaction writes these facts between the read
#   of "old" and the writes (all parts see this statement's snapshot). That lock is also why a plain INSERT is
#   safe where INSERT ... ON CONFLICT was used before: a speculative insertion costs about a third more per row,
#   and a first load (a backfill: most rows) is all inserts. A key that still collided would fail the batch,
#   which is retried.
# - The deltas come from the pairs, not from RETURNING rows joined back to "old": nothing is hashed or
#   materialised twice, and a first load's lookup finds no fact in the batch's day range at once.
MERGE = text(
    """
    WITH src AS (
        SELECT r.c AS campaign_id, coalesce(r.g, '') AS ad_group_id, coalesce(r.a, '') AS ad_id, r.d AS day,
               r.i AS impressions, r.k AS clicks, r.s AS spend_micros, r.v AS conversions,
               r.w AS conversion_value_micros, r.d >= CAST(:provisional_from AS date) AS provisional
        FROM json_to_recordset(CAST(:rows AS json)) AS r(
            c varchar(128), g varchar(128), a varchar(128), d date, i bigint, k bigint, s bigint,
            v numeric(20, 6), w bigint
        )
    ),
    paired AS (
        SELECT s.*, f.day IS NOT NULL AS existed,
               coalesce(f.impressions, 0) AS old_impressions, coalesce(f.clicks, 0) AS old_clicks,
               coalesce(f.spend_micros, 0) AS old_spend_micros, coalesce(f.conversions, 0) AS old_conversions,
               coalesce(f.conversion_value_micros, 0) AS old_conversion_value_micros
        FROM src s
        LEFT JOIN metric_facts f
          ON f.org_id = :org_id AND f.account_id = :account_id AND f.day BETWEEN :date_from AND :date_to
         AND (f.day, f.campaign_id, f.ad_group_id, f.ad_id) = (s.day, s.campaign_id, s.ad_group_id, s.ad_id)
    ),
    updated AS (
        UPDATE metric_facts AS f SET
            platform = CAST(:platform AS varchar),
            currency = CAST(:currency AS char(3)),
            impressions = p.impressions,
            clicks = p.clicks,
            spend_micros = p.spend_micros,
            conversions = p.conversions,
            conversion_value_micros = p.conversion_value_micros,
            provisional = p.provisional,
            updated_at = now()
        FROM paired p
        WHERE p.existed AND f.org_id = :org_id AND f.account_id = :account_id
          AND f.day BETWEEN :date_from AND :date_to
          AND (f.day, f.campaign_id, f.ad_group_id, f.ad_id) = (p.day, p.campaign_id, p.ad_group_id, p.ad_id)
    ),
    inserted AS (
        INSERT INTO metric_facts (
            org_id, account_id, campaign_id, ad_group_id, ad_id, day, platform, currency,
            impressions, clicks, spend_micros, conversions, conversion_value_micros, provisional, updated_at
        )
        SELECT CAST(:org_id AS uuid), CAST(:account_id AS uuid), campaign_id, ad_group_id, ad_id, day,
               CAST(:platform AS varchar), CAST(:currency AS char(3)),
               impressions, clicks, spend_micros, conversions, conversion_value_micros, provisional, now()
        FROM paired
        WHERE NOT existed
    ),
    delta AS (
        SELECT campaign_id, day, provisional,
               impressions - old_impressions AS impressions,
               clicks - old_clicks AS clicks,
               spend_micros - old_spend_micros AS spend_micros,
               conversions - old_conversions AS conversions,
               conversion_value_micros - old_conversion_value_micros AS conversion_value_micros
        FROM paired
    ),
    campaign_rollups AS (
        INSERT INTO daily_campaign_rollups AS r (
            org_id, account_id, campaign_id, day, platform, currency,
            impressions, clicks, spend_micros, conversions, conversion_value_micros, provisional, updated_at
        )
        SELECT CAST(:org_id AS uuid), CAST(:account_id AS uuid), campaign_id, day,
               CAST(:platform AS varchar), CAST(:currency AS char(3)),
               sum(impressions), sum(clicks), sum(spend_micros), sum(conversions), sum(conversion_value_micros),
               bool_or(provisional), now()
        FROM delta
        GROUP BY campaign_id, day
        ON CONFLICT (org_id, account_id, campaign_id, day) DO UPDATE SET
            platform = EXCLUDED.platform,
            currency = EXCLUDED.currency,
            impressions = r.impressions + EXCLUDED.impressions,
            clicks = r.clicks + EXCLUDED.clicks,
            spend_micros = r.spend_micros + EXCLUDED.spend_micros,
            conversions = r.conversions + EXCLUDED.conversions,
            conversion_value_micros = r.conversion_value_micros + EXCLUDED.conversion_value_micros,
            provisional = EXCLUDED.provisional,
            updated_at = EXCLUDED.updated_at
        RETURNING 1
    ),
    account_rollups AS (
        INSERT INTO daily_account_rollups AS r (
            org_id, account_id, day, platform, currency,
            impressions, clicks, spend_micros, conversions, conversion_value_micros, provisional, updated_at
        )
        SELECT CAST(:org_id AS uuid), CAST(:account_id AS uuid), day,
               CAST(:platform AS varchar), CAST(:currency AS char(3)),
               sum(impressions), sum(clicks), sum(spend_micros), sum(conversions), sum(conversion_value_micros),
               bool_or(provisional), now()
        FROM delta
        GROUP BY day
        ON CONFLICT (org_id, account_id, day) DO UPDATE SET
            platform = EXCLUDED.platform,
            currency = EXCLUDED.currency,
            impressions = r.impressions + EXCLUDED.impressions,
            clicks = r.clicks + EXCLUDED.clicks,
            spend_micros = r.spend_micros + EXCLUDED.spend_micros,
            conversions = r.conversions + EXCLUDED.conversions,
            conversion_value_micros = r.conversion_value_micros + EXCLUDED.conversion_value_micros,
            provisional = EXCLUDED.provisional,
            updated_at = EXCLUDED.updated_at
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM paired) AS facts,
           (SELECT count(*) FROM campaign_rollups) AS campaign_days,
           (SELECT count(*) FROM account_rollups) AS account_days
    """
)


@dataclass(frozen=True)
class BatchKey:
    """Who the batch belongs to and the constants every row of it shares."""

    org_id: uuid.UUID
    account_id: uuid.UUID
    platform: str
    currency: str
    date_from: date
    date_to: date
    provisional_from: date | None


class FactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_account_and_partitions(
        self, org_id: uuid.UUID, account_id: uuid.UUID, date_from: date, date_to: date
    ) -> None:
        """Serialise merges of one account until commit (rollup deltas need a stable "old" fact), then make
        sure the monthly partitions of ``date_from``..``date_to`` exist."""
        await self.session.execute(
            LOCK_AND_PARTITION,
            {"key": f"metrics:{org_id}:{account_id}", "date_from": date_from, "date_to": date_to},
        )

    async def ensure_partitions(self, date_from: date, date_to: date) -> None:
        await self.session.execute(
            text("SELECT ensure_metric_fact_partitions(:date_from, :date_to)"),
            {"date_from": date_from, "date_to": date_to},
        )

    async def merge(self, key: BatchKey, rows: Sequence[MetricRow]) -> int:
        """Upsert ``rows`` (one per fact key) into facts and move the rollups by the difference; returns facts
        merged."""
        result = await self.session.execute(
            MERGE,
            {
                # A MetricRow is a MergeRow (same keys and types); only the serialised names differ.
                "rows": MERGE_ROWS.dump_json(rows, by_alias=True).decode(),  # type: ignore[arg-type]
                "org_id": key.org_id,
                "account_id": key.account_id,
                "platform": key.platform,
                "currency": key.currency,
                "date_from": key.date_from,
                "date_to": key.date_to,
                # No restatement window: nothing is provisional (a date no row reaches).
                "provisional_from": key.provisional_from or date.max,
            },
        )
        return int(result.one().facts)
