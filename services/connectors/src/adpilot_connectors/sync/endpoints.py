"""Syncing ad accounts: "sync now" and the sync history (runs are queued here and run by the sync runner)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from adpilot_common.security.dependencies import Member, Viewer
from adpilot_connectors.accounts.repository import account_in_org, parse_id
from adpilot_connectors.context import Ctx
from adpilot_connectors.sync import repository, service
from adpilot_connectors.sync.schemas import SyncRunOut

router = APIRouter(prefix="/api/connectors", tags=["sync"])

PROBLEMS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such account or run in this organisation"},
    422: {"description": "Invalid query parameters"},
}


@router.post(
    "/accounts/{account_id}/sync",
    status_code=202,
    response_model=SyncRunOut,
    responses={**PROBLEMS, 409: {"description": "Connection paused (quota) or needs reconnecting"}},
    summary="Sync an account now (or get the sync already queued or running)",
)
async def sync_now(account_id: str, caller: Member, ctx: Ctx, response: Response) -> SyncRunOut:
    assert caller.org_id is not None
    async with ctx.sessions() as session, session.begin():
        account = await account_in_org(session, caller.org_id, parse_id(account_id, "ad account"))
        run = await service.request_sync(session, account, caller.user_id)
        out = SyncRunOut.model_validate(run)
    response.headers["Location"] = f"{router.prefix}/sync-runs/{out.id}"
    return out


@router.get(
    "/accounts/{account_id}/sync-runs",
    response_model=list[SyncRunOut],
    responses=PROBLEMS,
    summary="An account's sync runs, newest first",
)
async def account_sync_runs(
    account_id: str, caller: Viewer, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[SyncRunOut]:
    assert caller.org_id is not None
    async with ctx.sessions() as session, session.begin():
        account = await account_in_org(session, caller.org_id, parse_id(account_id, "ad account"))
        runs = await repository.runs_of_account(session, account.id, limit)
        return [SyncRunOut.model_validate(run) for run in runs]


@router.get("/sync-runs/{run_id}", response_model=SyncRunOut, responses=PROBLEMS, summary="One sync run")
async def sync_run(run_id: str, caller: Viewer, ctx: Ctx) -> SyncRunOut:
    assert caller.org_id is not None
    async with ctx.sessions() as session, session.begin():
        run = await repository.run_in_org(session, caller.org_id, parse_id(run_id, "sync run"))
        return SyncRunOut.model_validate(run)
