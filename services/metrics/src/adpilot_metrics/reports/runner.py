"""The report job: read the content in one snapshot, render it off the event loop, then store the file, finish
the job and put ``report.v1.ready`` in the outbox in one transaction (a crash in between leaves the job to be
retried, never a file without its event or an event without its file)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_common.events.contracts.report import ReportFailed, ReportReady
from adpilot_common.jobs import JobHandler, JobLease, JobStatus, finish_job
from adpilot_common.logging import get_logger
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_metrics.models import Report, ReportFile
from adpilot_metrics.reports.content import gather
from adpilot_metrics.reports.observability import REPORT_SECONDS, REPORTS
from adpilot_metrics.reports.render import render

log = get_logger(__name__)


# What the API and report.v1.failed say about a failed report; the exception itself is in the logs (the job row
# keeps the job runner's "Internal error (<class>)" line).
FAILED_MESSAGE = "The report could not be generated; please try again or contact your administrator."


def download_path(report_id: uuid.UUID) -> str:
    return f"/api/metrics/reports/{report_id}/download"


def report_job_handler(sessions: async_sessionmaker[AsyncSession]) -> JobHandler:
    async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
        started = datetime.now(UTC)
        async with sessions() as session, session.begin():
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            report = await session.get_one(Report, job_id)
            content = await gather(session, report, started)
        rendered = await asyncio.to_thread(render, content, report.format)
        lease.check()
        async with sessions() as session, session.begin():
            await session.merge(ReportFile(report_id=job_id, content=rendered.data))
            await finish_job(
                session,
                Report,
                job_id,
                JobStatus.SUCCEEDED,
                lease=lease,
                file_name=rendered.file_name,
                content_type=rendered.content_type,
                size_bytes=len(rendered.data),
                sha256=hashlib.sha256(rendered.data).hexdigest(),
            )
            ready = ReportReady(
                report_id=report.id,
                format=report.format,
                title=report.title,
                date_from=report.date_from,
                date_to=report.date_to,
                file_name=rendered.file_name,
                size_bytes=len(rendered.data),
                download_path=download_path(report.id),
                requested_by=report.requested_by,
                schedule_id=report.schedule_id,
                recipients=report.recipients,
            )
            await add_to_outbox(
                session, build_event("report.v1.ready", ready, source="metrics", org_id=report.org_id)
            )
        seconds = (datetime.now(UTC) - started).total_seconds()
        REPORTS.labels(report.format, "succeeded").inc()
        REPORT_SECONDS.labels(report.format).observe(seconds)
        log.info(
            "report ready",
            report_id=str(job_id),
            format=report.format,
            bytes=len(rendered.data),
            breakdown_rows=len(content.breakdown),
            seconds=round(seconds, 3),
        )

    return handle


async def report_gave_up(session: AsyncSession, job_id: uuid.UUID, error: str) -> None:
    """``JobRunner(on_give_up=...)``: tell the requester, in the transaction that fails the job."""
    report = (await session.execute(select(Report).where(Report.id == job_id))).scalar_one()
    failed = ReportFailed(
        report_id=report.id,
        format=report.format,
        title=report.title,
        requested_by=report.requested_by,
        schedule_id=report.schedule_id,
        error=FAILED_MESSAGE,
    )
    await add_to_outbox(
        session, build_event("report.v1.failed", failed, source="metrics", org_id=report.org_id)
    )
    REPORTS.labels(report.format, "failed").inc()
    log.warning("report failed for good", report_id=str(job_id), error=error)
