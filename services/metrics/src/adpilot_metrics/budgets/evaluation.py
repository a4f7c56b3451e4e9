"""Alert rules checked against the rollups; a crossing fires at most once per rule and period.

Exactly once, even when the hourly job and an ingesting transaction evaluate the same rule at the same time: the
firing row is inserted with ``ON CONFLICT (rule_id, period_key) DO NOTHING`` and only the transaction whose insert
took adds the event to the outbox (in the same transaction, so the event and the row commit together).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.budget import AlertTriggered, BudgetThresholdCrossed
from adpilot_common.logging import get_logger
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_metrics.budgets.pacing import pacing_of
from adpilot_metrics.budgets.periods import period_at
from adpilot_metrics.budgets.totals import totals
from adpilot_metrics.models.budgets import AlertFiring, AlertRule, Budget

log = get_logger(__name__)

THRESHOLD_CROSSED = "budget.v1.threshold_crossed"
ALERT_TRIGGERED = "alert.v1.triggered"
CTR_TRAILING_DAYS = 7


@dataclass(frozen=True)
class Crossing:
    subject: str
    payload: BaseModel


def period_key_of(rule: AlertRule, now: datetime) -> str:
    """The period a rule is judged in: the budget's (spend), the rule's (CPA), the last full UTC day (CTR)."""
    if rule.kind == "ctr_drop_pct":
        return (now.date() - timedelta(days=1)).isoformat()
    return period_at("daily" if rule.period == "daily" else "monthly", now).key


async def _spend_crossing(
    session: AsyncSession, rule: AlertRule, budget: Budget, now: datetime
) -> Crossing | None:
    pacing = await pacing_of(session, budget, now)
    if pacing.spend_micros * 100 < rule.threshold * budget.amount_micros:
        return None
    return Crossing(
        THRESHOLD_CROSSED,
        BudgetThresholdCrossed(
            budget_id=budget.id,
            rule_id=rule.id,
            account_id=budget.account_id,
            campaign_id=budget.campaign_id,
            period="daily" if budget.period == "daily" else "monthly",
            period_key=pacing.period.key,
            threshold_pct=rule.threshold,
            spend_micros=pacing.spend_micros,
            budget_micros=budget.amount_micros,
            currency=budget.currency,
            expected_spend_micros=pacing.expected_spend_micros,
        ),
    )


async def _cpa_crossing(session: AsyncSession, rule: AlertRule, now: datetime) -> Crossing | None:
    """Cost per conversion of the period so far, from sums; no conversions yet means no CPA (no alert)."""
    period = period_at("daily" if rule.period == "daily" else "monthly", now)
    sums = await totals(
        session,
        rule.org_id,
        rule.account_id,
        rule.campaign_id,
        period.start,
        min(period.last_day, now.date()),
    )
    if sums.conversions <= 0:
        return None
    cpa = (Decimal(sums.spend_micros) / sums.conversions).quantize(Decimal("1"))
    if cpa <= rule.threshold:
        return None
    scope = f"campaign {rule.campaign_id}" if rule.campaign_id else "the account"
    return Crossing(
        ALERT_TRIGGERED,
        AlertTriggered(
            rule_id=rule.id,
            kind="cpa_above",
            account_id=rule.account_id,
            campaign_id=rule.campaign_id,
            period_key=period.key,
            observed=cpa,
            threshold=rule.threshold,
            message=(
                f"CPA of {scope} is {cpa / 1_000_000:.2f} {sums.currency} in {period.key}, "
                f"above the target of {rule.threshold / 1_000_000:.2f}"
            ),
        ),
    )


async def _ctr_crossing(session: AsyncSession, rule: AlertRule, now: datetime) -> Crossing | None:
    """CTR of the last full day against the CTR of the 7 days before it (ratios of sums, not averages of daily
    ratios). A day without impressions yet (not synced) is no drop."""
    day = now.date() - timedelta(days=1)
    last = await totals(session, rule.org_id, rule.account_id, rule.campaign_id, day, day)
    trailing = await totals(
        session,
        rule.org_id,
        rule.account_id,
        rule.campaign_id,
        day - timedelta(days=CTR_TRAILING_DAYS),
        day - timedelta(days=1),
    )
    if last.impressions == 0 or trailing.impressions == 0 or trailing.clicks == 0:
        return None
    ctr_last = Decimal(last.clicks) / Decimal(last.impressions)
    ctr_trailing = Decimal(trailing.clicks) / Decimal(trailing.impressions)
    drop_pct = ((1 - ctr_last / ctr_trailing) * 100).quantize(Decimal("0.01"))
    if drop_pct <= rule.threshold:
        return None
    scope = f"campaign {rule.campaign_id}" if rule.campaign_id else "the account"
    return Crossing(
        ALERT_TRIGGERED,
        AlertTriggered(
            rule_id=rule.id,
            kind="ctr_drop_pct",
            account_id=rule.account_id,
            campaign_id=rule.campaign_id,
            period_key=day.isoformat(),
            observed=drop_pct,
            threshold=rule.threshold,
            message=(
                f"CTR of {scope} on {day.isoformat()} was {ctr_last * 100:.2f}%, {drop_pct}% below the "
                f"{CTR_TRAILING_DAYS}-day average of {ctr_trailing * 100:.2f}%"
            ),
        ),
    )


async def _crossing(
    session: AsyncSession, rule: AlertRule, budget: Budget | None, now: datetime
) -> Crossing | None:
    if rule.kind == "spend_over_budget_pct":
        return None if budget is None else await _spend_crossing(session, rule, budget, now)
    if rule.kind == "cpa_above":
        return await _cpa_crossing(session, rule, now)
    if rule.kind == "ctr_drop_pct":
        return await _ctr_crossing(session, rule, now)
    log.warning("unknown alert rule kind", rule_id=str(rule.id), kind=rule.kind)
    return None


async def _fire(session: AsyncSession, rule: AlertRule, period_key: str, crossing: Crossing) -> bool:
    inserted = await session.scalar(
        insert(AlertFiring)
        .values(
            id=uuid.uuid4(),
            org_id=rule.org_id,
            rule_id=rule.id,
            budget_id=rule.budget_id,
            period_key=period_key,
            values=crossing.payload.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["rule_id", "period_key"])
        .returning(AlertFiring.id)
    )
    if inserted is None:
        return False
    await add_to_outbox(
        session,
        build_event(
            crossing.subject,
            crossing.payload,
            source="metrics",
            org_id=rule.org_id,
            # One event per rule and period, whatever else happens to the transaction's retries.
            event_id=uuid.uuid5(rule.id, period_key),
        ),
    )
    log.info("alert fired", rule_id=str(rule.id), kind=rule.kind, period=period_key)
    return True


async def _evaluate(
    session: AsyncSession, rules: Sequence[tuple[AlertRule, Budget | None]], now: datetime
) -> int:
    if not rules:
        return 0
    already = set(
        (
            await session.execute(
                select(AlertFiring.rule_id, AlertFiring.period_key).where(
                    AlertFiring.rule_id.in_([r.id for r, _ in rules])
                )
            )
        ).tuples()
    )
    fired = 0
    for rule, budget in rules:
        key = period_key_of(rule, now)
        if (rule.id, key) in already:
            continue  # fired this period: skip the sums (the unique key would drop it anyway)
        crossing = await _crossing(session, rule, budget, now)
        if crossing is not None and await _fire(session, rule, key, crossing):
            fired += 1
    return fired


def _enabled_rules() -> Select[tuple[AlertRule, Budget]]:
    return (
        select(AlertRule, Budget)
        .outerjoin(Budget, Budget.id == AlertRule.budget_id)
        .where(AlertRule.enabled)
        .order_by(AlertRule.created_at, AlertRule.id)
    )


async def evaluate_for_accounts(
    session: AsyncSession, org_id: uuid.UUID, account_ids: list[uuid.UUID], now: datetime
) -> int:
    """Check the org's enabled rules on these accounts (after an ingested batch); returns how many fired."""
    query = _enabled_rules().where(AlertRule.org_id == org_id, AlertRule.account_id.in_(account_ids))
    rules = [(rule, budget) for rule, budget in (await session.execute(query)).tuples()]
    return await _evaluate(session, rules, now)


async def evaluate_all(session: AsyncSession, now: datetime) -> int:
    """Check every enabled rule of every org (the hourly job)."""
    rules = [(rule, budget) for rule, budget in (await session.execute(_enabled_rules())).tuples()]
    return await _evaluate(session, rules, now)
