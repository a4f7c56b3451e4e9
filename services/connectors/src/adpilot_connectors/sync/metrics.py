"""Incremental daily metrics: which days to fetch, and each fetched batch as one ``metrics.v1.fetched`` event.

The window ends on the account's current day (local to its time zone): today's partial numbers reach budgets and
dashboards within one sync interval, and every later sync fetches today again until it is over. It starts the
day after the cursor (``metrics_synced_through``, the last *complete* day sent) minus the lookback, because
platforms restate recent days (late conversions); the first sync backfills ``initial_backfill_days``.

Each batch (≤ 1000 rows) is committed to the outbox on its own, so a long backfill is many small transactions,
not one giant one. The cursor moves only when the run completes (``runs.complete``): a run that fails midway
leaves it, and the next run starts from the same day. Rows sent twice are harmless (the metrics service merges
by natural key), but within a run each batch has a deterministic event id (run, batch index), so a retried
attempt of the same run, which reuses the run's window, skips the batches an earlier attempt already committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.metrics import PLATFORM_ID_MAX_LENGTH, MetricsFetched
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.jobs import JobLease, update_job
from adpilot_common.messaging.outbox import OUTBOX_CHANNEL, build_event
from adpilot_connectors.context import Connectors
from adpilot_connectors.models import SyncRun
from adpilot_connectors.platforms.base import AdPlatformClient, DailyMetric
from adpilot_connectors.sync.storable import metric_fits
from adpilot_connectors.sync.target import SOURCE, SyncTarget

SUBJECT = "metrics.v1.fetched"
MAX_BATCH_ROWS = 1000  # the contract's limit per event

# Stage an event unless an earlier attempt of the run already did (same deterministic id): 1 = staged.
_STAGE_ONCE = text(
    "WITH staged AS (INSERT INTO outbox_messages (id, subject, payload) VALUES (:id, :subject, :payload) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1) "
    "SELECT (SELECT count(*) FROM staged), pg_notify(:channel, '')"
)


@dataclass(frozen=True)
class MetricsWindow:
    start: date
    end: date  # the account's current day when the run planned its window (partial)
    provisional_from: date  # first day whose numbers may still change (restatements, today)

    @property
    def complete_through(self) -> date:
        """The cursor once the window is sent: its last complete day (today is fetched again next time)."""
        return self.end - timedelta(days=1)


def account_today(client: AdPlatformClient, target: SyncTarget, now: datetime | None = None) -> date:
    """The account's current calendar day. A platform that keeps its own notion of it (the sandbox, whose clock
    tests pin) is asked; otherwise the account's time zone and the clock decide."""
    own: Callable[[str], date] | None = getattr(client, "today_for", None)
    if callable(own):
        return own(target.external_account_id)
    try:
        zone = ZoneInfo(target.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (now or datetime.now(UTC)).astimezone(zone).date()


def plan_window(target: SyncTarget, today: date, initial_backfill_days: int) -> MetricsWindow:
    if target.synced_through is None:
        start = today - timedelta(days=initial_backfill_days - 1)
    else:
        start = min(today, target.synced_through + timedelta(days=1) - timedelta(days=target.lookback_days))
    return MetricsWindow(start, today, _provisional_from(start, today, target.lookback_days))


def _provisional_from(start: date, end: date, lookback_days: int) -> date:
    return max(start, end - timedelta(days=lookback_days))


def metrics_window(connectors: Connectors, target: SyncTarget, client: AdPlatformClient) -> MetricsWindow:
    """The run's window: planned by its first attempt and stored on the run (``runs.record_structure``), reused by
    retries, so a retry produces the same batches and the cursor moves exactly to the end of what was planned."""
    if target.metrics_from is not None and target.metrics_to is not None:
        return MetricsWindow(
            target.metrics_from,
            target.metrics_to,
            _provisional_from(target.metrics_from, target.metrics_to, target.lookback_days),
        )
    return plan_window(target, account_today(client, target), connectors.settings.initial_backfill_days)


async def send_metrics(
    connectors: Connectors,
    target: SyncTarget,
    client: AdPlatformClient,
    lease: JobLease,
    window: MetricsWindow,
) -> int:
    """Fetch the window and commit each batch as an event; returns the rows staged by this attempt."""
    index = 0
    staged_rows = 0
    async for fetched in client.fetch_daily_metrics(target.external_account_id, window.start, window.end):
        for batch in _chunks(fetched):
            lease.check()
            event = metrics_event(target, window, batch, batch_event_id(target.run_id, index))
            index += 1
            async with connectors.sessions() as session, session.begin():
                if await stage_once(session, event):
                    sent = len(event.data["rows"])
                    await update_job(session, SyncRun, lease, metric_rows=SyncRun.metric_rows + sent)
                    staged_rows += sent
    return staged_rows


def batch_event_id(run_id: uuid.UUID, index: int) -> uuid.UUID:
    return uuid.uuid5(run_id, f"{SUBJECT}:{index}")


def metrics_event(
    target: SyncTarget, window: MetricsWindow, batch: list[DailyMetric], event_id: uuid.UUID
) -> EventEnvelope:
    """One batch as a ``metrics.v1.fetched`` envelope.

    The batch header goes through the contract model (``build_event``); the rows are added to the validated
    payload as JSON-ready dicts, checked against the contract's bounds here. Building 1000 ``MetricRow`` models
    per batch only to dump them back into dicts tripled the CPU cost of a backfill (bench/sandbox_sync.py);
    the rows' types are already fixed by ``DailyMetric``."""
    if len(batch) > MAX_BATCH_ROWS:
        raise ValueError(f"a metrics batch holds at most {MAX_BATCH_ROWS} rows, got {len(batch)}")
    header = MetricsFetched(
        sync_run_id=target.run_id,
        account_id=target.account_id,
        platform=target.platform.value,
        external_account_id=target.external_account_id,
        currency=target.currency,
        time_zone=target.time_zone,
        provisional_from=window.provisional_from,
        rows=[],
    )
    event = build_event(SUBJECT, header, source=SOURCE, org_id=target.org_id, event_id=event_id)
    fitting = [r for r in batch if metric_fits(target, r)]  # an unstorable row must not fail every sync
    return event.model_copy(update={"data": {**event.data, "rows": metric_rows(fitting)}})


def metric_rows(batch: list[DailyMetric]) -> list[dict[str, object]]:
    """``MetricRow``-shaped JSON values (``day`` ISO, ``conversions`` as a decimal string, like pydantic's)."""
    days: dict[date, str] = {}
    rows: list[dict[str, object]] = []
    append = rows.append
    for r in batch:
        if r.impressions < 0 or r.clicks < 0 or r.spend_micros < 0 or r.conversion_value_micros < 0:
            raise ValueError(f"negative metric for {r.campaign_id}/{r.ad_id} on {r.day}")
        if r.conversions < 0:
            raise ValueError(f"negative conversions for {r.campaign_id}/{r.ad_id} on {r.day}")
        if max(len(r.campaign_id), len(r.ad_group_id or ""), len(r.ad_id or "")) > PLATFORM_ID_MAX_LENGTH:
            raise ValueError(
                f"an id of {r.campaign_id}/{r.ad_id} is over {PLATFORM_ID_MAX_LENGTH} characters"
            )
        day = days.get(r.day)
        if day is None:
            day = days[r.day] = r.day.isoformat()
        append(
            {
                "campaign_id": r.campaign_id,
                "ad_group_id": r.ad_group_id,
                "ad_id": r.ad_id,
                "day": day,
                "impressions": r.impressions,
                "clicks": r.clicks,
                "spend_micros": r.spend_micros,
                "conversions": str(r.conversions),
                "conversion_value_micros": r.conversion_value_micros,
            }
        )
    return rows


async def stage_once(session: AsyncSession, event: EventEnvelope) -> bool:
    """Stage ``event`` in the caller's transaction unless its id is already in the outbox; True if staged."""
    staged = (
        await session.execute(
            _STAGE_ONCE,
            {"id": event.id, "subject": event.type, "payload": event.to_bytes(), "channel": OUTBOX_CHANNEL},
        )
    ).scalar_one()
    return bool(staged)


def _chunks(rows: list[DailyMetric]) -> Iterator[list[DailyMetric]]:
    if len(rows) <= MAX_BATCH_ROWS:
        if rows:
            yield rows
        return
    for i in range(0, len(rows), MAX_BATCH_ROWS):
        yield rows[i : i + MAX_BATCH_ROWS]
