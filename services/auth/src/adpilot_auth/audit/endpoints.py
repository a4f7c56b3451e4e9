from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from adpilot_auth.audit import repository
from adpilot_auth.audit.schemas import AuditEntryOut, AuditPage
from adpilot_auth.context import Caller, Deps
from adpilot_auth.orgs.service import require_role
from adpilot_common.problems import Problem

router = APIRouter(prefix="/api/auth/orgs/{org_id}/audit", tags=["audit"])


@router.get("", response_model=AuditPage, responses={403: {}, 404: {}})
async def audit_log(
    org_id: uuid.UUID,
    caller: Caller,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="next_cursor of the previous page (a bigint id)")
    ] = None,
    action: Annotated[str | None, Query(max_length=64, description="action or prefix, e.g. login.")] = None,
    actor: Annotated[uuid.UUID | None, Query()] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """The org's audit log for its admins, newest first."""
    if since is not None and until is not None and since >= until:
        raise Problem(422, detail="`since` must be before `until`.")
    async with deps.sessions() as session, session.begin():
        await require_role(session, org_id, caller.user_id, "admin")
        rows = await repository.page(
            session,
            org_id,
            limit=limit + 1,
            before_id=cursor,
            action=action,
            actor_user_id=actor,
            since=since,
            until=until,
        )
    items = [AuditEntryOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return AuditPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)
