"""Campaign dimensions (names, status, budget) mirrored from ``campaign.v1.*`` events for the query API.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # campaign_id is the platform's id (what metric rows carry); adpilot_campaign_id is connectors' uuid.
    # updated_at is the occurred_at of the last applied event: older events arriving late are ignored.
    op.execute(
        """
        CREATE TABLE campaign_dimensions (
            org_id uuid NOT NULL,
            account_id uuid NOT NULL,
            campaign_id varchar(128) NOT NULL,
            adpilot_campaign_id uuid NOT NULL,
            platform varchar(32) NOT NULL,
            external_account_id varchar(128) NOT NULL,
            name text NOT NULL,
            status varchar(16) NOT NULL,
            objective varchar(64),
            daily_budget_micros bigint,
            currency char(3) NOT NULL,
            updated_at timestamptz NOT NULL,
            CONSTRAINT pk_campaign_dimensions PRIMARY KEY (org_id, account_id, campaign_id)
        )
        """
    )
    # A campaign's series without its account (the query API's campaign_id filter): the rollups' primary key
    # starts with account_id and (org_id, day) would scan every campaign of the org for the range.
    op.execute(
        "CREATE INDEX ix_daily_campaign_rollups_org_campaign_day ON daily_campaign_rollups (org_id, campaign_id, day)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_daily_campaign_rollups_org_campaign_day")
    op.execute("DROP TABLE campaign_dimensions")
