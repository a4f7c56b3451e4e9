"""The ad account's name on campaign dimensions, from ``campaign.v1.*`` events that carry it, so reports name
accounts instead of showing only ids.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE campaign_dimensions ADD COLUMN account_name text")


def downgrade() -> None:
    op.execute("ALTER TABLE campaign_dimensions DROP COLUMN account_name")
