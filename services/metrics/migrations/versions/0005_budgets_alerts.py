"""Budgets, alert rules and alert firings (one firing per rule and period, enforced by a unique key).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE budgets (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            account_id uuid NOT NULL,
            campaign_id varchar(128),
            period varchar(16) NOT NULL CONSTRAINT ck_budgets_period CHECK (period IN ('daily', 'monthly')),
            amount_micros bigint NOT NULL CONSTRAINT ck_budgets_amount_positive CHECK (amount_micros > 0),
            currency char(3) NOT NULL,
            created_by uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_budgets_org_account ON budgets (org_id, account_id)")
    op.execute(
        """
        CREATE TABLE alert_rules (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            account_id uuid NOT NULL,
            campaign_id varchar(128),
            kind varchar(32) NOT NULL CONSTRAINT ck_alert_rules_kind
                CHECK (kind IN ('spend_over_budget_pct', 'cpa_above', 'ctr_drop_pct')),
            period varchar(16) NOT NULL CONSTRAINT ck_alert_rules_period CHECK (period IN ('daily', 'monthly')),
            threshold numeric(20, 6) NOT NULL CONSTRAINT ck_alert_rules_threshold_positive CHECK (threshold > 0),
            budget_id uuid CONSTRAINT fk_alert_rules_budget_id_budgets REFERENCES budgets (id) ON DELETE CASCADE,
            enabled boolean NOT NULL DEFAULT true,
            created_by uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_alert_rules_spend_has_budget
                CHECK ((kind = 'spend_over_budget_pct') = (budget_id IS NOT NULL))
        )
        """
    )
    op.execute("CREATE INDEX ix_alert_rules_org_account ON alert_rules (org_id, account_id) WHERE enabled")
    op.execute(
        """
        CREATE TABLE alert_firings (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            rule_id uuid NOT NULL
                CONSTRAINT fk_alert_firings_rule_id_alert_rules REFERENCES alert_rules (id) ON DELETE CASCADE,
            budget_id uuid,
            period_key varchar(10) NOT NULL,
            fired_at timestamptz NOT NULL DEFAULT now(),
            "values" jsonb NOT NULL,
            CONSTRAINT uq_alert_firings_rule_id_period_key UNIQUE (rule_id, period_key)
        )
        """
    )
    op.execute("CREATE INDEX ix_alert_firings_org_fired_at ON alert_firings (org_id, fired_at DESC)")


def downgrade() -> None:
    op.execute("DROP TABLE alert_firings")
    op.execute("DROP TABLE alert_rules")
    op.execute("DROP TABLE budgets")
