"""``metrics.v1.fetched`` → merged facts and rollups, and ``metrics.v1.updated`` in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.metrics import MetricsFetched
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.consumer import PermanentError
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_metrics.budgets.evaluation import evaluate_for_accounts
from adpilot_metrics.ingestion.service import ingest_batch

UPDATED = "metrics.v1.updated"


def by_account(event: EventEnvelope, payload: MetricsFetched) -> tuple[uuid.UUID | None, uuid.UUID]:
    """The consumer's ordering key: batches of one ad account are applied in stream order."""
    return event.org_id, payload.account_id


async def on_metrics_fetched(session: AsyncSession, event: EventEnvelope, payload: MetricsFetched) -> None:
    if event.org_id is None:
        raise PermanentError("metrics.v1.fetched without org_id: facts are org-scoped")
    updated = await ingest_batch(session, event.org_id, payload)
    if updated is None:
        return
    # Alert rules of the account see the new sums in this same transaction (fired at most once per period).
    await evaluate_for_accounts(session, event.org_id, [payload.account_id], datetime.now(UTC))
    await add_to_outbox(
        session,
        build_event(
            UPDATED,
            updated,
            source="metrics",
            org_id=event.org_id,
            correlation_id=event.correlation_id,
            # Derived from the input event: one update per applied batch, whatever happens to the retries.
            event_id=uuid.uuid5(event.id, UPDATED),
        ),
    )
