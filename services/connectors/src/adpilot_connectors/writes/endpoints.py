"""Writes to the platforms as bulk jobs with per-item results, retries and an audit trail.

* ``POST /accounts/{account_id}/write-jobs`` (member): validate every operation (422 lists the bad ones by
  index, nothing stored), store the job, 202 with the job; ``validate_only`` runs the platforms' dry runs.
* ``GET /write-jobs`` (viewer): the org's jobs, newest first, filtered by ``account_id`` / ``status``.
* ``GET /write-jobs/{id}`` (viewer): the job with its progress and every item's result.
* ``POST /write-jobs/{id}/retry`` (member): failed items worth retrying go back to pending, 202 with the job.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from adpilot_common.security.dependencies import Member, Viewer
from adpilot_connectors.accounts.repository import account_in_org, parse_id
from adpilot_connectors.context import Ctx
from adpilot_connectors.writes import repository, service
from adpilot_connectors.writes.schemas import WriteJobDetail, WriteJobOut, WriteJobPage, WriteJobRequest
from adpilot_connectors.writes.service import RequestInfo

router = APIRouter(prefix="/api/connectors", tags=["writes"])

JobStatusFilter = Literal["queued", "running", "succeeded", "partially_failed", "failed"]


def _who(request: Request, caller: Member) -> RequestInfo:
    assert caller.org_id is not None  # require_role guarantees an org
    return RequestInfo(
        org_id=caller.org_id,
        user_id=caller.user_id,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


@router.post("/accounts/{account_id}/write-jobs", status_code=202)
async def create_write_job(
    account_id: str, body: WriteJobRequest, request: Request, response: Response, ctx: Ctx, caller: Member
) -> WriteJobOut:
    account = parse_id(account_id, "ad account")
    async with ctx.sessions() as session, session.begin():
        job = await service.create_job(session, ctx, _who(request, caller), account, body)
    response.headers["Location"] = f"/api/connectors/write-jobs/{job.id}"
    return job


@router.get("/write-jobs")
async def list_write_jobs(
    ctx: Ctx,
    caller: Viewer,
    account_id: str | None = None,
    status: JobStatusFilter | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,  # beyond: a bigint overflow in SQL, not a page
) -> WriteJobPage:
    assert caller.org_id is not None
    account = parse_id(account_id, "ad account") if account_id is not None else None
    async with ctx.sessions() as session:
        if account is not None:
            await account_in_org(session, caller.org_id, account)  # another org's account: 404
        rows, total = await repository.list_jobs(
            session, caller.org_id, account_id=account, status=status, limit=limit, offset=offset
        )
    return WriteJobPage(items=[service.job_out(job, platform) for job, platform in rows], total=total)


@router.get("/write-jobs/{job_id}")
async def get_write_job(job_id: str, ctx: Ctx, caller: Viewer) -> WriteJobDetail:
    assert caller.org_id is not None
    async with ctx.sessions() as session:
        job, platform = await repository.job_in_org(session, caller.org_id, parse_id(job_id, "write job"))
        items = await repository.items_of(session, job.id)
    return service.job_detail(job, platform, items)


@router.post("/write-jobs/{job_id}/retry", status_code=202)
async def retry_write_job(job_id: str, request: Request, ctx: Ctx, caller: Member) -> WriteJobOut:
    job = parse_id(job_id, "write job")
    async with ctx.sessions() as session, session.begin():
        return await service.retry_job(session, _who(request, caller), job)
