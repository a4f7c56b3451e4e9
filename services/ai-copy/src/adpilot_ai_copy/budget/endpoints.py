"""The org's monthly AI budget and this month's spend: read by members, set by admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.budget import repository
from adpilot_ai_copy.budget.service import budget_status
from adpilot_ai_copy.context import AiCopy, Ctx
from adpilot_ai_copy.generation.views import usd
from adpilot_common.audit import Audit, changed
from adpilot_common.dependencies import DbSession as Db
from adpilot_common.security.dependencies import Admin, Viewer

router = APIRouter(prefix="/api/ai-copy/budget", tags=["budget"])


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monthly_budget_usd: Decimal | None = Field(
        ge=0, le=1_000_000, max_digits=14, decimal_places=6, description="None: back to the service default"
    )


class BudgetOut(BaseModel):
    monthly_budget_usd: Decimal
    spent_usd: Decimal
    remaining_usd: Decimal
    source: str = Field(description="'default' (service setting) or 'org' (set by an admin)")
    period_start: datetime


def _audited(amount: Decimal | None) -> str | None:
    return None if amount is None else str(usd(amount))


async def _status(ctx: AiCopy, session: AsyncSession, org_id: uuid.UUID | None) -> BudgetOut:
    assert org_id is not None  # require_role refuses callers without an org
    s = await budget_status(session, org_id, ctx.settings)
    return BudgetOut(
        monthly_budget_usd=usd(s.monthly_budget_usd),
        spent_usd=usd(s.spent_usd),
        remaining_usd=usd(s.remaining_usd),
        source=s.source,
        period_start=s.period_start,
    )


@router.get("", summary="Monthly AI budget and spend so far (UTC month)")
async def get_budget(caller: Viewer, ctx: Ctx, session: Db) -> BudgetOut:
    return await _status(ctx, session, caller.org_id)


@router.put("", summary="Set the org's monthly AI budget (admin)")
async def put_budget(body: BudgetIn, caller: Admin, ctx: Ctx, session: Db, audit: Audit) -> BudgetOut:
    assert caller.org_id is not None
    own = await repository.org_budget(session, caller.org_id)
    before = {"monthly_budget_usd": _audited(own.monthly_budget_usd if own else None)}  # None: the default
    await repository.set_org_budget(session, caller.org_id, body.monthly_budget_usd, caller.user_id)
    change = changed(before, {"monthly_budget_usd": _audited(body.monthly_budget_usd)})
    if change:
        await audit.record(session, "ai_budget.updated", "ai_budget", caller.org_id, change)
    return await _status(ctx, session, caller.org_id)
