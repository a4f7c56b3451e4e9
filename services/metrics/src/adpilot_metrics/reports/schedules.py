"""Scheduled reports: on every hourly tick, queue the latest due period of each schedule (once: the reports
table's unique (schedule_id, period_key) key absorbs repeated ticks, replicas and catch-up after downtime),
and drop reports older than the retention."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import JobStatus, wake_runners
from adpilot_metrics.models import Report, ReportSchedule


def latest_occurrence(schedule: ReportSchedule, now: datetime) -> datetime | None:
    """The last time at or before ``now`` the schedule was due, or None if that was before it existed."""
    occurrence = datetime.combine(now.date(), time(schedule.hour_utc), UTC)
    if schedule.frequency == "weekly":
        assert schedule.weekday is not None  # the table's constraint
        occurrence -= timedelta(days=(now.weekday() - schedule.weekday) % 7)
    step = timedelta(days=7 if schedule.frequency == "weekly" else 1)
    if occurrence > now:
        occurrence -= step
    return occurrence if occurrence >= schedule.created_at else None


def period_of(schedule: ReportSchedule, occurrence: datetime) -> tuple[date, date]:
    """Yesterday for a daily report, the 7 days up to yesterday for a weekly one (UTC days)."""
    last = occurrence.date() - timedelta(days=1)
    return (last - timedelta(days=6) if schedule.frequency == "weekly" else last), last


async def queue_scheduled_reports(session: AsyncSession, now: datetime) -> int:
    """Queue the due report of every schedule; returns how many were new."""
    rows = []
    for schedule in await session.scalars(select(ReportSchedule)):
        occurrence = latest_occurrence(schedule, now)
        if occurrence is None:
            continue
        date_from, date_to = period_of(schedule, occurrence)
        rows.append(
            {
                "id": uuid.uuid4(),
                "org_id": schedule.org_id,
                "title": schedule.title,
                "format": schedule.format,
                "date_from": date_from,
                "date_to": date_to,
                "bucket": "day",
                "filters": schedule.filters,
                "schedule_id": schedule.id,
                "period_key": date_to.isoformat(),
                "recipients": schedule.recipients,
                "status": JobStatus.QUEUED.value,
            }
        )
    if not rows:
        return 0
    inserted = await session.execute(
        insert(Report)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_reports_schedule_id_period_key")
        .returning(Report.id)
    )
    queued = len(inserted.all())
    if queued:
        await wake_runners(session, Report.__tablename__)
    return queued


async def delete_expired_reports(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Finished reports older than the retention go, with their files (ON DELETE CASCADE)."""
    result = await session.execute(
        delete(Report).where(
            Report.finished_at < now - timedelta(days=retention_days),
            Report.status.in_([JobStatus.SUCCEEDED.value, JobStatus.FAILED.value]),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
