"""The monthly LLM budget per org (service default, or the org's own) and the per-user request rate."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.budget import repository
from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.providers.observability import LLM_BUDGET_REFUSALS
from adpilot_common.problems import Problem

BUDGET_PROBLEM = "https://adpilot.dev/problems/ai-copy-budget-exhausted"
RATE_PROBLEM = "https://adpilot.dev/problems/ai-copy-rate-limited"


@dataclass(frozen=True)
class BudgetStatus:
    monthly_budget_usd: Decimal
    spent_usd: Decimal
    source: str  # "default" | "org"
    period_start: datetime

    @property
    def remaining_usd(self) -> Decimal:
        return max(Decimal(0), self.monthly_budget_usd - self.spent_usd)

    @property
    def exhausted(self) -> bool:
        return self.spent_usd >= self.monthly_budget_usd


class BudgetExhausted(Problem):
    """The org spent its monthly budget: no LLM call until next month or a higher budget (cache hits still
    answer: they cost nothing)."""

    def __init__(self, status: BudgetStatus) -> None:
        super().__init__(
            402,
            "Monthly AI budget exhausted",
            f"This organisation spent ${status.spent_usd:.2f} of its ${status.monthly_budget_usd:.2f} monthly "
            "AI copy budget. An admin can raise the budget; it resets at the start of next month (UTC).",
            type_=BUDGET_PROBLEM,
            monthly_budget_usd=str(status.monthly_budget_usd),
            spent_usd=str(status.spent_usd),
        )


async def budget_status(session: AsyncSession, org_id: uuid.UUID, settings: Settings) -> BudgetStatus:
    own = await repository.org_budget(session, org_id)
    start = await repository.month_start(session)
    return BudgetStatus(
        monthly_budget_usd=own.monthly_budget_usd if own else settings.monthly_budget_usd,
        spent_usd=await repository.spent_since(session, org_id, start),
        source="org" if own else "default",
        period_start=start,
    )


async def ensure_budget(session: AsyncSession, org_id: uuid.UUID, settings: Settings) -> None:
    """Refuse when the month's spend reached the budget. Checked before a request, so the request that
    crosses the line completes (its cost is only known afterwards)."""
    status = await budget_status(session, org_id, settings)
    if status.exhausted:
        LLM_BUDGET_REFUSALS.inc()
        raise BudgetExhausted(status)


async def count_request(session: AsyncSession, user_id: uuid.UUID, settings: Settings) -> None:
    """Count a generation request against the caller's per-minute limit (shared by all replicas)."""
    hits, left_s = await repository.count_request(session, user_id)
    if hits > settings.rate_limit_per_minute:
        retry = max(1, math.ceil(left_s))
        raise Problem(
            429,
            detail=f"At most {settings.rate_limit_per_minute} copy requests per minute; try again in {retry} s.",
            type_=RATE_PROBLEM,
            headers={"Retry-After": str(retry)},
        )
