"""Budgets, pacing and alert rules (org-scoped: another org's ids answer 404, and so do accounts and campaigns
the org does not know, like on the KPI and report endpoints)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.audit import Audit, changed
from adpilot_common.dependencies import DbSession as Session
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Member, Viewer, org_of
from adpilot_common.security.tokens import AccessClaims
from adpilot_metrics.access import account_currency, check_campaign, in_org
from adpilot_metrics.budgets.pacing import pacing_of
from adpilot_metrics.budgets.schemas import (
    MAX_SPEND_PCT,
    AlertFiringList,
    AlertFiringOut,
    AlertRuleIn,
    AlertRuleList,
    AlertRuleOut,
    AlertRulePatch,
    BudgetIn,
    BudgetList,
    BudgetOut,
    BudgetPatch,
    PacingOut,
)
from adpilot_metrics.models.budgets import AlertFiring, AlertRule, Budget

router = APIRouter(prefix="/api/metrics")


async def _budget(session: AsyncSession, caller: AccessClaims, budget_id: uuid.UUID) -> Budget:
    return await in_org(session, Budget, budget_id, caller, "budget")


async def _rule(session: AsyncSession, caller: AccessClaims, rule_id: uuid.UUID) -> AlertRule:
    return await in_org(session, AlertRule, rule_id, caller, "alert rule")


async def _check_scope(
    session: AsyncSession, caller: AccessClaims, account_id: uuid.UUID, campaign_id: str | None
) -> str:
    """The account's currency, if the org knows the account (and the campaign in it); a 404 otherwise."""
    currency = await account_currency(session, org_of(caller), account_id)
    if campaign_id is not None:
        await check_campaign(session, org_of(caller), campaign_id, account_id)
    return currency


# What an audit entry says about a budget or rule (as the API shows it: a threshold of 80 reads "80").
BUDGET_AUDIT = {"account_id", "campaign_id", "period", "amount_micros", "currency"}
RULE_AUDIT = {"kind", "account_id", "campaign_id", "budget_id", "period", "threshold", "enabled"}


def _budget_audit(budget: Budget) -> dict[str, Any]:
    return BudgetOut.model_validate(budget).model_dump(mode="json", include=BUDGET_AUDIT)


def _rule_audit(rule: AlertRule) -> dict[str, Any]:
    return AlertRuleOut.model_validate(rule).model_dump(mode="json", include=RULE_AUDIT)


def _check_threshold(kind: str, threshold: Decimal) -> None:
    """The schema bounds every threshold; percentages are bounded by what can ever fire."""
    if kind == "ctr_drop_pct" and threshold > 100:
        raise Problem(
            422, "Invalid threshold", "A CTR drop is a percentage of the CTR: more than 100 can never happen."
        )
    if kind == "spend_over_budget_pct" and threshold > MAX_SPEND_PCT:
        raise Problem(422, "Invalid threshold", f"A percentage threshold must be at most {MAX_SPEND_PCT}.")


@router.post("/budgets", status_code=201, responses={404: {}})  # an account or campaign not the org's
async def create_budget(body: BudgetIn, caller: Member, session: Session, audit: Audit) -> BudgetOut:
    currency = await _check_scope(session, caller, body.account_id, body.campaign_id)
    if body.currency is not None and body.currency.upper() != currency:
        raise Problem(
            422,
            "Currency mismatch",
            f"Ad account {body.account_id} spends in {currency}: its budgets are in {currency} too.",
        )
    budget = Budget(
        id=uuid.uuid4(),
        org_id=org_of(caller),
        account_id=body.account_id,
        campaign_id=body.campaign_id,
        period=body.period,
        amount_micros=body.amount_micros,
        currency=currency,
        created_by=caller.user_id,
        created_at=datetime.now(UTC),
    )
    session.add(budget)
    await session.flush()
    await audit.record(session, "budget.created", "budget", budget.id, _budget_audit(budget))
    return BudgetOut.model_validate(budget)


@router.get("/budgets")
async def list_budgets(caller: Viewer, session: Session, account_id: uuid.UUID | None = None) -> BudgetList:
    query = select(Budget).where(Budget.org_id == org_of(caller)).order_by(Budget.created_at, Budget.id)
    if account_id is not None:
        query = query.where(Budget.account_id == account_id)
    return BudgetList(items=[BudgetOut.model_validate(b) for b in await session.scalars(query)])


@router.get("/budgets/{budget_id}")
async def get_budget(budget_id: uuid.UUID, caller: Viewer, session: Session) -> BudgetOut:
    return BudgetOut.model_validate(await _budget(session, caller, budget_id))


@router.patch("/budgets/{budget_id}")
async def update_budget(
    budget_id: uuid.UUID, body: BudgetPatch, caller: Member, session: Session, audit: Audit
) -> BudgetOut:
    budget = await _budget(session, caller, budget_id)
    changes = changed({"amount_micros": budget.amount_micros}, {"amount_micros": body.amount_micros})
    budget.amount_micros = body.amount_micros
    await session.flush()
    if changes:
        await audit.record(session, "budget.updated", "budget", budget.id, changes)
    return BudgetOut.model_validate(budget)


@router.delete("/budgets/{budget_id}", status_code=204)
async def delete_budget(budget_id: uuid.UUID, caller: Member, session: Session, audit: Audit) -> Response:
    """Its spend rules and their firings go with it."""
    budget = await _budget(session, caller, budget_id)
    await audit.record(session, "budget.deleted", "budget", budget.id, _budget_audit(budget))
    await session.execute(delete(Budget).where(Budget.id == budget.id))
    return Response(status_code=204)


@router.get("/budgets/{budget_id}/pacing")
async def budget_pacing(budget_id: uuid.UUID, caller: Viewer, session: Session) -> PacingOut:
    budget = await _budget(session, caller, budget_id)
    pacing = await pacing_of(session, budget, datetime.now(UTC))
    return PacingOut(
        budget_id=budget.id,
        period=pacing.period.kind,
        period_key=pacing.period.key,
        period_start=pacing.period.start,
        period_end=pacing.period.last_day,
        currency=budget.currency,
        budget_micros=pacing.budget_micros,
        spend_micros=pacing.spend_micros,
        expected_spend_micros=pacing.expected_spend_micros,
        spent_pct=pacing.spent_pct,
        elapsed_pct=(Decimal(pacing.elapsed_fraction) * 100).quantize(Decimal("0.01")),
        projected_spend_micros=pacing.projected_spend_micros,
    )


@router.post("/alert-rules", status_code=201, responses={404: {}})
async def create_alert_rule(
    body: AlertRuleIn, caller: Member, session: Session, audit: Audit
) -> AlertRuleOut:
    org_id = org_of(caller)
    if body.kind == "spend_over_budget_pct":
        if body.budget_id is None:
            raise Problem(
                422, "Budget required", "A spend_over_budget_pct rule watches a budget: set budget_id."
            )
        if body.account_id is not None or body.campaign_id is not None or body.period is not None:
            raise Problem(
                422, "Conflicting scope", "A spend rule takes account, campaign and period from its budget."
            )
        budget = await _budget(session, caller, body.budget_id)
        account_id, campaign_id, period = budget.account_id, budget.campaign_id, budget.period
    else:
        if body.budget_id is not None:
            raise Problem(422, "Unexpected budget", f"A {body.kind} rule does not watch a budget.")
        if body.account_id is None:
            raise Problem(422, "Account required", f"A {body.kind} rule needs account_id.")
        if body.kind == "ctr_drop_pct" and body.period not in (None, "daily"):
            raise Problem(
                422, "Invalid period", "A CTR drop compares the last full day: its period is daily."
            )
        await _check_scope(session, caller, body.account_id, body.campaign_id)
        account_id, campaign_id = body.account_id, body.campaign_id
        period = body.period or ("daily" if body.kind == "ctr_drop_pct" else "monthly")
    _check_threshold(body.kind, body.threshold)
    rule = AlertRule(
        id=uuid.uuid4(),
        org_id=org_id,
        account_id=account_id,
        campaign_id=campaign_id,
        kind=body.kind,
        period=period,
        threshold=body.threshold,
        budget_id=body.budget_id,
        enabled=True,
        created_by=caller.user_id,
        created_at=datetime.now(UTC),
    )
    session.add(rule)
    await session.flush()
    await audit.record(session, "alert_rule.created", "alert_rule", rule.id, _rule_audit(rule))
    return AlertRuleOut.model_validate(rule)


@router.get("/alert-rules")
async def list_alert_rules(
    caller: Viewer, session: Session, account_id: uuid.UUID | None = None
) -> AlertRuleList:
    query = (
        select(AlertRule)
        .where(AlertRule.org_id == org_of(caller))
        .order_by(AlertRule.created_at, AlertRule.id)
    )
    if account_id is not None:
        query = query.where(AlertRule.account_id == account_id)
    return AlertRuleList(items=[AlertRuleOut.model_validate(r) for r in await session.scalars(query)])


@router.get("/alert-rules/{rule_id}")
async def get_alert_rule(rule_id: uuid.UUID, caller: Viewer, session: Session) -> AlertRuleOut:
    return AlertRuleOut.model_validate(await _rule(session, caller, rule_id))


@router.patch("/alert-rules/{rule_id}")
async def update_alert_rule(
    rule_id: uuid.UUID, body: AlertRulePatch, caller: Member, session: Session, audit: Audit
) -> AlertRuleOut:
    rule = await _rule(session, caller, rule_id)
    before = _rule_audit(rule)
    if body.threshold is not None:
        _check_threshold(rule.kind, body.threshold)
        rule.threshold = body.threshold
    if body.enabled is not None:
        rule.enabled = body.enabled
    await session.flush()
    changes = changed(before, _rule_audit(rule))
    if changes:
        await audit.record(session, "alert_rule.updated", "alert_rule", rule.id, changes)
    return AlertRuleOut.model_validate(rule)


@router.delete("/alert-rules/{rule_id}", status_code=204)
async def delete_alert_rule(rule_id: uuid.UUID, caller: Member, session: Session, audit: Audit) -> Response:
    rule = await _rule(session, caller, rule_id)
    await audit.record(session, "alert_rule.deleted", "alert_rule", rule.id, _rule_audit(rule))
    await session.execute(delete(AlertRule).where(AlertRule.id == rule.id))
    return Response(status_code=204)


@router.get("/alerts")
async def list_alerts(
    caller: Viewer,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    rule_id: uuid.UUID | None = None,
) -> AlertFiringList:
    """Alert firings of the org, newest first."""
    query = (
        select(AlertFiring)
        .where(AlertFiring.org_id == org_of(caller))
        .order_by(AlertFiring.fired_at.desc(), AlertFiring.id)
        .limit(limit)
    )
    if rule_id is not None:
        query = query.where(AlertFiring.rule_id == rule_id)
    return AlertFiringList(items=[AlertFiringOut.model_validate(f) for f in await session.scalars(query)])
