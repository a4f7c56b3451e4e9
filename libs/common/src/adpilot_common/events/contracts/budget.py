"""Budget pacing and alert-rule crossings (published by metrics; notify tells the people who care)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

BudgetPeriod = Literal["daily", "monthly"]
AlertKind = Literal["spend_over_budget_pct", "cpa_above", "ctr_drop_pct"]


class BudgetThresholdCrossed(BaseModel):
    """Spend of a budget's period so far reached ``threshold_pct`` of the budget. Published once per rule and
    period (``period_key``), however often metrics are restated. Money is integer micros of ``currency``; the
    org is the envelope's ``org_id``."""

    budget_id: uuid.UUID
    rule_id: uuid.UUID = Field(description="The spend_over_budget_pct alert rule that crossed")
    account_id: uuid.UUID = Field(description="AdPilot's id of the ad account")
    campaign_id: str | None = Field(
        default=None, description="The platform's campaign id; None = whole account"
    )
    period: BudgetPeriod
    period_key: str = Field(
        description="'2026-11' for a monthly period, '2026-11-25' for a daily one (UTC days)"
    )
    threshold_pct: Decimal
    spend_micros: int = Field(ge=0, description="Spend of the period so far")
    budget_micros: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    expected_spend_micros: int = Field(
        ge=0, description="Pacing: the budget times the elapsed fraction of the period at evaluation time"
    )


class AlertTriggered(BaseModel):
    """A CPA or CTR alert rule crossed its threshold; once per rule and period. The org is the envelope's
    ``org_id``."""

    rule_id: uuid.UUID
    kind: AlertKind
    account_id: uuid.UUID = Field(description="AdPilot's id of the ad account")
    campaign_id: str | None = Field(
        default=None, description="The platform's campaign id; None = whole account"
    )
    period_key: str = Field(description="Period the value was observed in (a month '2026-11' or a day)")
    observed: Decimal = Field(description="cpa_above: cost per conversion in micros; ctr_drop_pct: drop in %")
    threshold: Decimal
    message: str = Field(description="A human-readable sentence for notifications")
