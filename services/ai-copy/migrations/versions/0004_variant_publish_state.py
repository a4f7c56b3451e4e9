"""Variants record how publishing their approved copy went (queued, published with the ad's id, failed with why).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    sa.Column("publish_state", sa.String(length=16), nullable=True),
    sa.Column("publish_approval_id", sa.UUID(), nullable=True),
    sa.Column("publish_job_id", sa.UUID(), nullable=True),
    sa.Column("published_ad_id", sa.String(length=64), nullable=True),
    sa.Column("publish_error", sa.Text(), nullable=True),
    sa.Column("publish_updated_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    # Nullable without defaults: no table rewrite. Copy approved before this knows no outcome (None).
    for column in COLUMNS:
        op.add_column("copy_variants", column)


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("copy_variants", column.name)
