"""Initial schema: outbox and inbox tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from adpilot_common.migration_ops import create_eventing_tables, drop_eventing_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_eventing_tables()


def downgrade() -> None:
    drop_eventing_tables()
