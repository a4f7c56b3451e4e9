"""Fact key ordered (org, account, day, campaign, ad group, ad).

The merge reads the facts a batch replaces with ``org_id = … AND account_id = … AND day BETWEEN …``. With
``day`` last in the key, that range could only be filtered inside the index, so every batch scanned all of its
account's facts in the month, twice (the read of "old" and the UPDATE): a cost that grew with each batch of a
backfill. With ``day`` third, a first load's probe finds nothing at once and a restatement reads exactly the
restated days. Batches arrive in day order, so inserts also land at the right edge of each account's range.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(columns: str) -> None:
    # One statement: the table never goes without its key (the drop and the rebuild share one lock).
    op.execute(
        "ALTER TABLE metric_facts DROP CONSTRAINT pk_metric_facts, "
        f"ADD CONSTRAINT pk_metric_facts PRIMARY KEY ({columns})"
    )


def upgrade() -> None:
    _key("org_id, account_id, day, campaign_id, ad_group_id, ad_id")


def downgrade() -> None:
    _key("org_id, account_id, campaign_id, ad_group_id, ad_id, day")
