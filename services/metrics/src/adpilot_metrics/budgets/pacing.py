"""Budget pacing: spend of the period so far against the budget pro-rated by the time elapsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_metrics.budgets.periods import Period, period_at
from adpilot_metrics.budgets.totals import totals
from adpilot_metrics.models.budgets import Budget


@dataclass(frozen=True)
class Pacing:
    period: Period
    spend_micros: int
    budget_micros: int
    expected_spend_micros: int  # budget times the elapsed fraction of the period
    elapsed_fraction: float
    projected_spend_micros: int | None  # spend extrapolated to the period's end; None right at its start

    @property
    def spent_pct(self) -> Decimal:
        return (Decimal(self.spend_micros) * 100 / Decimal(self.budget_micros)).quantize(Decimal("0.01"))


async def pacing_of(session: AsyncSession, budget: Budget, now: datetime) -> Pacing:
    period = period_at("daily" if budget.period == "daily" else "monthly", now)
    last = min(period.last_day, now.date())
    spent = await totals(
        session,
        budget.org_id,
        budget.account_id,
        budget.campaign_id,
        period.start,
        last,
        currency=budget.currency,
    )
    elapsed = period.elapsed_fraction(now)
    return Pacing(
        period=period,
        spend_micros=spent.spend_micros,
        budget_micros=budget.amount_micros,
        expected_spend_micros=round(budget.amount_micros * elapsed),
        elapsed_fraction=elapsed,
        projected_spend_micros=round(spent.spend_micros / elapsed) if elapsed > 0 else None,
    )
