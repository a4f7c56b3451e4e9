"""On-demand reports (queued as jobs, downloaded when ready) and report schedules; org-scoped: another org's
ids answer 404."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import delete, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.audit import Audit
from adpilot_common.dependencies import DbSession as Session
from adpilot_common.jobs import JobStatus, wake_runners
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Admin, Member, Viewer, org_of
from adpilot_common.security.tokens import AccessClaims
from adpilot_metrics.access import account_currency, in_org
from adpilot_metrics.config import Settings
from adpilot_metrics.models import Report, ReportFile, ReportSchedule
from adpilot_metrics.queries.service import validate_range
from adpilot_metrics.reports.render.file_names import content_disposition
from adpilot_metrics.reports.runner import FAILED_MESSAGE, download_path
from adpilot_metrics.reports.schemas import (
    ReportFilters,
    ReportIn,
    ReportList,
    ReportOut,
    ScheduleIn,
    ScheduleList,
    ScheduleOut,
)

router = APIRouter(prefix="/api/metrics", tags=["reports"])

# What the renderers answer (reports.render): the download documents each, so clients know what may come.
FILE_MEDIA_TYPES = (
    "application/pdf",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
)
UNKNOWN_ACCOUNT: dict[int | str, dict[str, Any]] = {
    404: {"description": "The filters name an ad account the org has never seen"}
}


def _out(report: Report) -> ReportOut:
    """The job row's ``error`` is the job runner's (``Internal error (<class>)…``): callers get a sentence about
    their report."""
    out = ReportOut.model_validate(report)
    ready = report.status == JobStatus.SUCCEEDED.value
    failed = report.status == JobStatus.FAILED.value
    return out.model_copy(
        update={
            "download_path": download_path(report.id) if ready else None,
            "error": FAILED_MESSAGE if failed else None,
        }
    )


async def _report(session: AsyncSession, caller: AccessClaims, report_id: uuid.UUID) -> Report:
    return await in_org(session, Report, report_id, caller, "report")


def _schedule_audit(schedule: ReportSchedule) -> dict[str, Any]:
    """Who gets the org's numbers, and how often: worth an entry (addresses only, never a report's content)."""
    return ScheduleOut.model_validate(schedule).model_dump(
        mode="json", include={"title", "format", "frequency", "weekday", "hour_utc", "filters", "recipients"}
    )


async def _check_filters(session: AsyncSession, caller: AccessClaims, filters: ReportFilters) -> None:
    """An account the org has never seen is a mistake worth a 404, not an empty report."""
    if filters.account_id is not None:
        await account_currency(session, org_of(caller), filters.account_id)


@router.post(
    "/reports",
    status_code=202,
    summary="Queue a report; poll it or wait for report.v1.ready",
    responses=UNKNOWN_ACCOUNT,
)
async def create_report(
    body: ReportIn, caller: Member, session: Session, request: Request, response: Response
) -> ReportOut:
    settings: Settings = request.app.state.runtime.settings
    validate_range(body.date_from, body.date_to, settings.max_query_days)
    await _check_filters(session, caller, body.filters)
    report = Report(
        id=uuid.uuid4(),
        org_id=org_of(caller),
        title=body.title,
        format=body.format,
        date_from=body.date_from,
        date_to=body.date_to,
        bucket=body.bucket,
        filters=body.filters.stored(),
        requested_by=caller.user_id,
        recipients=[],
        status=JobStatus.QUEUED.value,
        attempts=0,
        queued_at=datetime.now(UTC),
    )
    session.add(report)
    await session.flush()
    await wake_runners(session, Report.__tablename__)
    response.headers["Location"] = f"/api/metrics/reports/{report.id}"
    return _out(report)


def _cursor(report: Report) -> str:
    return base64.urlsafe_b64encode(f"{report.queued_at.isoformat()}|{report.id}".encode()).decode()


def _parse_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        queued_at, report_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(queued_at), uuid.UUID(report_id)
    except ValueError as exc:
        raise Problem(422, "Invalid cursor", "Pass back the next_cursor of a previous page.") from exc


@router.get("/reports", summary="The org's reports, newest first")
async def list_reports(
    caller: Viewer,
    session: Session,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> ReportList:
    query = select(Report).where(Report.org_id == org_of(caller))
    if cursor is not None:
        queued_at, report_id = _parse_cursor(cursor)
        query = query.where(
            tuple_(Report.queued_at, Report.id) < tuple_(literal(queued_at), literal(report_id))
        )
    found = list(
        await session.scalars(query.order_by(Report.queued_at.desc(), Report.id.desc()).limit(limit + 1))
    )
    page = found[:limit]
    return ReportList(
        items=[_out(r) for r in page], next_cursor=_cursor(page[-1]) if len(found) > limit else None
    )


@router.get("/reports/{report_id}")
async def get_report(report_id: uuid.UUID, caller: Viewer, session: Session) -> ReportOut:
    return _out(await _report(session, caller, report_id))


@router.get(
    "/reports/{report_id}/download",
    response_class=Response,
    responses={
        200: {"content": {media_type: {} for media_type in FILE_MEDIA_TYPES}},
        409: {"description": "The report is not ready (yet)"},
    },
    summary="The report's file (409 until it is ready)",
)
async def download_report(report_id: uuid.UUID, caller: Viewer, session: Session) -> Response:
    report = await _report(session, caller, report_id)
    if report.status != JobStatus.SUCCEEDED.value:
        detail = (
            FAILED_MESSAGE
            if report.status == JobStatus.FAILED.value
            else f"The report is {report.status}; download it once report.v1.ready is published."
        )
        raise Problem(409, "Report not ready", detail)
    content = await session.scalar(select(ReportFile.content).where(ReportFile.report_id == report.id))
    if content is None:  # only if someone removed the file by hand
        raise Problem(410, "Report file gone", "The report's file is no longer stored.")
    return Response(
        content=content,
        media_type=report.content_type,
        headers={
            "Content-Disposition": content_disposition(report),
            "ETag": f'"{report.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.delete("/reports/{report_id}", status_code=204)
async def delete_report(report_id: uuid.UUID, caller: Member, session: Session) -> Response:
    report = await _report(session, caller, report_id)
    await session.execute(delete(Report).where(Report.id == report.id))
    return Response(status_code=204)


@router.post(
    "/report-schedules", status_code=201, summary="Make a report every day or week", responses=UNKNOWN_ACCOUNT
)
async def create_schedule(body: ScheduleIn, caller: Admin, session: Session, audit: Audit) -> ScheduleOut:
    await _check_filters(session, caller, body.filters)
    schedule = ReportSchedule(
        id=uuid.uuid4(),
        org_id=org_of(caller),
        title=body.title,
        format=body.format,
        frequency=body.frequency,
        weekday=body.weekday,
        hour_utc=body.hour_utc,
        filters=body.filters.stored(),
        recipients=[str(r) for r in body.recipients],
        created_by=caller.user_id,
        created_at=datetime.now(UTC),
    )
    session.add(schedule)
    await session.flush()
    await audit.record(
        session, "report_schedule.created", "report_schedule", schedule.id, _schedule_audit(schedule)
    )
    return ScheduleOut.model_validate(schedule)


@router.get("/report-schedules")
async def list_schedules(caller: Viewer, session: Session) -> ScheduleList:
    query = select(ReportSchedule).where(ReportSchedule.org_id == org_of(caller))
    schedules = await session.scalars(query.order_by(ReportSchedule.created_at, ReportSchedule.id))
    return ScheduleList(items=[ScheduleOut.model_validate(s) for s in schedules])


@router.delete("/report-schedules/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: uuid.UUID, caller: Admin, session: Session, audit: Audit) -> Response:
    """Reports it already made stay."""
    schedule = await session.scalar(
        delete(ReportSchedule)
        .where(ReportSchedule.id == schedule_id, ReportSchedule.org_id == org_of(caller))
        .returning(ReportSchedule)
    )
    if schedule is None:
        raise Problem(404, "Schedule not found", f"No report schedule {schedule_id} in this organisation.")
    await audit.record(
        session, "report_schedule.deleted", "report_schedule", schedule.id, _schedule_audit(schedule)
    )
    return Response(status_code=204)
