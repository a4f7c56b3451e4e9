"""Per-event count of failed handler attempts (dead-lettering counts attempts, not deliveries).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from adpilot_common.migration_ops import create_consumer_failures_table, drop_consumer_failures_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_consumer_failures_table()


def downgrade() -> None:
    drop_consumer_failures_table()
