"""Request and response bodies of the budgets and alerts API (money in integer micros)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from adpilot_common.money import MAX_TYPED_AMOUNT_MICROS

Period = Literal["daily", "monthly"]
AlertKind = Literal["spend_over_budget_pct", "cpa_above", "ctr_drop_pct"]
CampaignId = Field(default=None, min_length=1, max_length=128, description="The platform's campaign id")
MAX_SPEND_PCT = 1000  # spend_over_budget_pct: ten times the budget is as far as an alert makes sense


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID
    campaign_id: str | None = CampaignId
    period: Period
    amount_micros: int = Field(gt=0, le=MAX_TYPED_AMOUNT_MICROS)
    currency: str | None = Field(
        default=None,
        pattern="^[A-Za-z]{3}$",
        description="The account's currency (the default); any other is 422",
    )


class BudgetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_micros: int = Field(gt=0, le=MAX_TYPED_AMOUNT_MICROS)


class BudgetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    campaign_id: str | None
    period: Period
    amount_micros: int
    currency: str
    created_by: uuid.UUID
    created_at: datetime


class PacingOut(BaseModel):
    budget_id: uuid.UUID
    period: Period
    period_key: str
    period_start: date
    period_end: date = Field(description="Last day of the period (inclusive); periods are UTC days for now")
    currency: str
    budget_micros: int
    spend_micros: int
    expected_spend_micros: int = Field(description="Budget times the elapsed fraction of the period")
    spent_pct: Decimal = Field(description="Spend as a percentage of the budget")
    elapsed_pct: Decimal
    projected_spend_micros: int | None = Field(description="Spend extrapolated to the end of the period")


class AlertRuleIn(BaseModel):
    """``spend_over_budget_pct``: ``budget_id`` and a percentage up to 1000 (account, campaign and period are
    the budget's). ``cpa_above``: ``account_id``, target cost per conversion in micros, ``period`` (default
    monthly). ``ctr_drop_pct``: ``account_id`` and a percentage up to 100 (last full day vs the 7 days before)."""

    model_config = ConfigDict(extra="forbid")

    kind: AlertKind
    threshold: Decimal = Field(gt=0, le=MAX_TYPED_AMOUNT_MICROS, max_digits=20, decimal_places=6)
    budget_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    campaign_id: str | None = CampaignId
    period: Period | None = None


class AlertRulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: Decimal | None = Field(
        default=None, gt=0, le=MAX_TYPED_AMOUNT_MICROS, max_digits=20, decimal_places=6
    )
    enabled: bool | None = None


class AlertRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_validator("threshold")
    @classmethod
    def as_sent(cls, value: Decimal) -> Decimal:
        """The column keeps 6 decimals: read back "80.000000" as "80", like the create answered (and with no
        exponent, which ``normalize`` alone would give: 8E+1)."""
        return Decimal(format(value.normalize(), "f"))

    id: uuid.UUID
    kind: AlertKind
    account_id: uuid.UUID
    campaign_id: str | None
    period: Period
    threshold: Decimal
    budget_id: uuid.UUID | None
    enabled: bool
    created_by: uuid.UUID
    created_at: datetime


class AlertFiringOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rule_id: uuid.UUID
    budget_id: uuid.UUID | None
    period_key: str
    fired_at: datetime
    values: dict[str, Any]


class BudgetList(BaseModel):
    items: list[BudgetOut]


class AlertRuleList(BaseModel):
    items: list[AlertRuleOut]


class AlertFiringList(BaseModel):
    items: list[AlertFiringOut]
